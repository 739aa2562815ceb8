import { spawnSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { Logger } from '../core/ports/runtime.js';
import { KeycardError } from '../core/result.js';

/**
 * Postgres settings for the embedded database. PGlite keeps shared buffers inside its WebAssembly
 * memory, so Postgres' default 128 MB of buffers is 128 MB of resident memory that a single-replica
 * chat bot never fills; 16 MB holds Keycard's working set (measured: idle RSS 280 → 160 MB).
 */
export const PGLITE_START_PARAMS: readonly string[] = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

/**
 * The initialised, migrated data directory `npm run build` leaves next to the compiled code
 * (scripts/pglite-template.mjs): a new data dir starts as a copy of it instead of running initdb, which
 * costs seconds and several hundred MB of memory that PGlite never returns. Absent under tsx.
 */
export function pgliteTemplateDir(moduleDir: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  const template = join(moduleDir, '..', 'pglite-template');
  return existsSync(join(template, 'PG_VERSION')) ? template : undefined;
}

export type DataDirOrigin = 'existing' | 'template' | 'initdb';

/**
 * Makes `dataDir` an initialised Postgres data directory before PGlite opens it: kept as it is when it
 * already is one, else copied from the build's template, else initialised by initdb in a child process
 * (so initdb's memory goes away with that process instead of staying in Keycard's).
 */
export function prepareDataDir(dataDir: string, log: Logger, template: string | undefined = pgliteTemplateDir()): DataDirOrigin {
  const dir = resolve(dataDir);
  if (existsSync(join(dir, 'PG_VERSION'))) return 'existing';
  if (template) {
    cpSync(template, dir, { recursive: true });
    log.info({ dataDir }, 'embedded database created from the build template');
    return 'template';
  }
  const pglite = import.meta.resolve('@electric-sql/pglite');
  const script = `const { PGlite } = await import(${JSON.stringify(pglite)}); const db = await PGlite.create(${JSON.stringify(dir)}); await db.close();`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (child.status !== 0 || !existsSync(join(dir, 'PG_VERSION'))) {
    throw new KeycardError(
      'database_open_failed',
      `initdb failed in ${dataDir}: ${(child.stderr || child.error?.message || '').slice(-400)}`,
    );
  }
  log.info({ dataDir }, 'embedded database initialised');
  return 'initdb';
}
