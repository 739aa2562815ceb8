// Makes sure dist/ holds a build of the current sources: `npm install` runs it (the prepare script) and
// bin/keycard.js runs it before every command. It compiles only when dist/ is missing or older than
// src/ or migrations/, and only when the TypeScript compiler is installed (a production install without
// dev dependencies runs the dist/ it was given). Returns whether dist/ can be run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const STAMP = join('dist', '.build-stamp');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** True when dist/ exists and was built from what is in src/ and migrations/ now. */
export function isBuilt(root) {
  if (!existsSync(join(root, 'dist', 'cli', 'keycard.js'))) return false;
  if (!existsSync(join(root, 'src'))) return true; // an installed package: dist/ is all there is
  const stamp = join(root, STAMP);
  if (!existsSync(stamp)) return false;
  const built = Number(readFileSync(stamp, 'utf8'));
  return built >= newestMtime(join(root, 'src')) && built >= newestMtime(join(root, 'migrations'));
}

/** Builds dist/ when it is missing or stale and the compiler is at hand; true when dist/ can be run. */
export function ensureBuilt(root) {
  if (isBuilt(root)) return true;
  if (!existsSync(join(root, 'node_modules', 'typescript', 'bin', 'tsc'))) return existsSync(join(root, 'dist', 'cli', 'keycard.js'));
  process.stderr.write('keycard: compiling src/ into dist/ (once after each change; `npm run build` does the same)…\n');
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) process.stderr.write('keycard: the build reported problems; see above\n');
  return isBuilt(root);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  process.exitCode = ensureBuilt(root) ? 0 : 1;
}
