import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { Logger } from '../core/ports/runtime.js';
import { KeycardError } from '../core/result.js';
import type { DatabaseHandle, PgHandle } from './database.js';

/** Session advisory lock key serialising migrations across replicas ("KCMG"). */
export const MIGRATION_LOCK_KEY = 0x4b434d47;

export interface MigrationOptions {
  /** Folder holding `meta/_journal.json`; by default found by searching upward from this module. */
  migrationsFolder?: string;
  log?: Logger;
}

/** Applies pending migrations; safe when several Keycard instances start at once. */
export async function runMigrations(handle: DatabaseHandle, options: MigrationOptions = {}): Promise<void> {
  const migrationsFolder = options.migrationsFolder ?? findMigrationsFolder();
  if (await isUpToDate(handle, migrationsFolder)) {
    options.log?.info({ driver: handle.driver, target: handle.target }, 'database schema up to date');
    return;
  }
  if (handle.driver === 'pg') {
    await migratePool(handle, migrationsFolder);
  } else {
    // PGlite is one connection in one process (the data folder is locked), so there is nobody to race.
    await migratePglite(drizzlePglite(handle.client), { migrationsFolder });
  }
  options.log?.info({ driver: handle.driver, target: handle.target }, 'database migrations applied');
}

/**
 * True when the database already holds every migration in the journal, by drizzle's own rule (a
 * migration is applied when its `when` is newer than the newest `created_at` recorded): two small
 * queries instead of hashing every SQL file and taking the lock on each start.
 */
async function isUpToDate(handle: DatabaseHandle, migrationsFolder: string): Promise<boolean> {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: { when: number }[] };
  const newest = Math.max(...journal.entries.map((entry) => entry.when));
  const query = async (sql: string): Promise<Record<string, unknown> | undefined> =>
    handle.driver === 'pg' ? (await handle.pool.query(sql)).rows[0] : (await handle.client.query<Record<string, unknown>>(sql)).rows[0];
  const table = await query(`select to_regclass('drizzle.__drizzle_migrations')::text as name`);
  if (!table?.name) return false;
  const applied = await query('select max(created_at)::text as newest from drizzle.__drizzle_migrations');
  return applied?.newest !== null && applied?.newest !== undefined && Number(applied.newest) >= newest;
}

/**
 * drizzle's migrator takes no lock: instances migrating a fresh database together collide on
 * pg_type/pg_namespace. A session advisory lock must be taken, used and released on the same
 * connection, so the whole migration runs on one checked-out client.
 */
async function migratePool(handle: PgHandle, migrationsFolder: string): Promise<void> {
  const client = await handle.pool.connect();
  let failure: Error | undefined;
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await migrateNodePg(drizzleNodePg(client), { migrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    // Passing the error destroys the connection, which also drops a lock we could not release.
    client.release(failure);
  }
}

/**
 * Searches upward from `startDir` for `migrations/meta/_journal.json`, so the same code finds the folder
 * from `src/store/` under tsx and from `dist/store/` after tsc.
 */
export function findMigrationsFolder(startDir: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = startDir;
  for (;;) {
    const candidate = join(dir, 'migrations');
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new KeycardError(
    'migrations_not_found',
    `cannot find migrations/meta/_journal.json in ${startDir} or any folder above it; ship migrations/ next to dist/`,
  );
}
