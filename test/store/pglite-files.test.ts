import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { pgliteTemplateDir, prepareDataDir } from '../../src/store/pglite-files.js';

const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-pglite-files-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('embedded data directory preparation', () => {
  it('finds the build template next to the compiled code only when it is an initialised cluster', () => {
    const root = scratch();
    mkdirSync(join(root, 'store'));
    expect(pgliteTemplateDir(join(root, 'store'))).toBeUndefined();
    mkdirSync(join(root, 'pglite-template'));
    expect(pgliteTemplateDir(join(root, 'store'))).toBeUndefined();
    writeFileSync(join(root, 'pglite-template', 'PG_VERSION'), '17\n');
    expect(pgliteTemplateDir(join(root, 'store'))).toBe(join(root, 'store', '..', 'pglite-template'));
  });

  it('copies the template into a new data dir (next to a lock already there) and leaves an existing one alone', () => {
    const template = scratch();
    mkdirSync(join(template, 'base'));
    writeFileSync(join(template, 'PG_VERSION'), '17\n');
    writeFileSync(join(template, 'base', 'table'), 'rows');
    const data = join(scratch(), 'data');
    mkdirSync(data);
    writeFileSync(join(data, '.lock'), 'pid');
    expect(prepareDataDir(data, silentLogger, template)).toBe('template');
    expect(readFileSync(join(data, 'base', 'table'), 'utf8')).toBe('rows');
    expect(readFileSync(join(data, '.lock'), 'utf8')).toBe('pid');
    writeFileSync(join(data, 'base', 'table'), 'changed');
    expect(prepareDataDir(data, silentLogger, template)).toBe('existing');
    expect(readFileSync(join(data, 'base', 'table'), 'utf8')).toBe('changed');
  });
});
