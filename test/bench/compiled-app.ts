import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './child-process.js';

let built: string | undefined | null = null;

/**
 * Compiles src/ once per bench run into a temporary folder laid out like the image (dist/, migrations/,
 * the example policy, the repository's node_modules linked in), so start-up and memory are measured as
 * production runs them, without tsx. Undefined when the build produced no entry point.
 */
export function compiledApp(): string | undefined {
  if (built !== null) return built;
  const app = join(mkdtempSync(join(tmpdir(), 'kc-bench-app-')), 'app');
  mkdirSync(join(app, 'manifests'), { recursive: true });
  process.once('exit', () => rmSync(join(app, '..'), { recursive: true, force: true }));
  // tsc emits even when work in progress elsewhere has type errors; only a missing entry point is fatal.
  const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
  spawnSync(process.execPath, [tsc, '-p', join(repoRoot, 'tsconfig.build.json'), '--outDir', join(app, 'dist')], { stdio: 'ignore' });
  if (!existsSync(join(app, 'dist/cli/keycard.js'))) {
    built = undefined;
    return built;
  }
  cpSync(join(repoRoot, 'migrations'), join(app, 'migrations'), { recursive: true });
  cpSync(join(repoRoot, 'manifests/policy.example.yaml'), join(app, 'manifests/policy.example.yaml'));
  cpSync(join(repoRoot, 'package.json'), join(app, 'package.json'));
  symlinkSync(join(repoRoot, 'node_modules'), join(app, 'node_modules'));
  built = app;
  return built;
}
