import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  return found;
}

/** Which layer/adapter a file belongs to: core, chat/slack, providers/postgres, store, http, … */
function unitOf(file: string): string {
  const parts = relative(src, file).split(sep);
  if (parts.length === 1) return parts[0]!.replace(/\.ts$/, '');
  if ((parts[0] === 'chat' || parts[0] === 'providers' || parts[0] === 'monitor' || parts[0] === 'directory') && parts.length > 2)
    return `${parts[0]}/${parts[1]}`;
  return parts[0]!;
}

// Pure builtins core may use; anything doing I/O (fs, net, http, child_process, …) is not allowed.
const PURE_BUILTINS = new Set(['node:crypto', 'node:util', 'node:assert']);

describe('architecture', () => {
  const coreFiles = files(join(src, 'core'));

  it('finds the core', () => expect(coreFiles.length).toBeGreaterThan(10));

  it('core imports only itself, zod and pure node builtins', () => {
    const offenders: string[] = [];
    for (const file of coreFiles) {
      for (const spec of imports(file)) {
        if (spec === 'zod' || PURE_BUILTINS.has(spec)) continue;
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          if (!target.startsWith(join(src, 'core'))) offenders.push(`${relative(root, file)} -> ${spec}`);
          continue;
        }
        offenders.push(`${relative(root, file)} -> ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('core reads no environment, global clock or console', () => {
    const offenders = coreFiles.filter((file) =>
      /process\.env|Date\.now\(|new Date\(\)|console\.(log|error|warn)/.test(readFileSync(file, 'utf8')),
    );
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });

  it('adapters never import each other (only core); only main.ts and the CLI wire them together', () => {
    const wiring = new Set(['main', 'cli']);
    const offenders: string[] = [];
    for (const file of files(src)) {
      const unit = unitOf(file);
      if (unit === 'core' || wiring.has(unit)) continue;
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
        if (!target.startsWith(src)) continue;
        const targetUnit = unitOf(target);
        if (targetUnit === unit || targetUnit === 'core' || targetUnit === 'logging') continue;
        // A folder's index (e.g. src/providers/builtin.ts listing every provider) may gather its own subfolders.
        if (unit === 'providers' && targetUnit.startsWith('providers/')) continue;
        // Adapters of one port may share helpers kept at the port folder's root (src/providers/*.ts, src/chat/*.ts).
        if (unit.startsWith(`${targetUnit}/`)) continue;
        offenders.push(`${relative(root, file)} (${unit}) -> ${relative(root, target)} (${targetUnit})`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the rule itself catches a violation', () => {
    expect(unitOf(join(src, 'chat', 'slack', 'x.ts'))).toBe('chat/slack');
    expect(unitOf(join(src, 'providers', 'postgres', 'a', 'b.ts'))).toBe('providers/postgres');
    expect(imports(join(root, 'test', 'architecture', 'boundaries.test.ts'))).toContain('vitest');
  });
});
