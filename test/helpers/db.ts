import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { silentLogger } from '../../src/core/ports/runtime.js';
import type { Store } from '../../src/core/ports/store.js';
import { createStore, type StoreOptions } from '../../src/store/create-store.js';
import { type DatabaseHandle, MEMORY_DATA_DIR, openDatabase, type PgliteHandle } from '../../src/store/database.js';
import { findMigrationsFolder, runMigrations } from '../../src/store/migrations.js';
import { prepareDataDir } from '../../src/store/pglite-files.js';

export type StoreKind = 'pglite' | 'pg';

export interface TestStore {
  store: Store;
  handle: DatabaseHandle;
  /** Closes the store; drops the pg database, or empties the PGlite one for the next caller. */
  close(): Promise<void>;
}

/**
 * The store kinds to run a suite against: PGlite always, real Postgres when TEST_DATABASE_URL is set.
 * In CI the real-Postgres tests must never skip silently, so a missing URL there is an error.
 */
export function storeKinds(): StoreKind[] {
  return hasTestPostgres() ? ['pglite', 'pg'] : ['pglite'];
}

/** True when TEST_DATABASE_URL is set; throws in CI when it is not. */
export function hasTestPostgres(): boolean {
  if (process.env.TEST_DATABASE_URL) return true;
  if (process.env.CI) {
    throw new Error(
      'CI is set but TEST_DATABASE_URL is not: the store tests must run against real Postgres in CI ' +
        '(e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)',
    );
  }
  return false;
}

/** A fresh, migrated database and a Store on it. */
export async function createTestStore(kind: StoreKind, options: StoreOptions = {}): Promise<TestStore> {
  const { handle, dispose } = kind === 'pg' ? await freshPostgres() : await freshPglite();
  const store = createStore(handle, options);
  return {
    store,
    handle,
    close: async () => {
      await store.close();
      await dispose();
    },
  };
}

/** A fresh database on the real server, empty (unmigrated) unless copied from `template`; `dispose` drops it. */
export async function freshPostgresDatabase(template?: string): Promise<{ url: string; dispose(): Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `keycard_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`create database ${name}${template ? ` template ${template}` : ''}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE: a test that failed half-way may leave connections open; they must not keep the database alive.
    dispose: async () => {
      await withAdmin(adminUrl, (admin) => admin.query(`drop database if exists ${name} with (force)`));
    },
  };
}

async function freshPostgres(): Promise<{ handle: DatabaseHandle; dispose(): Promise<void> }> {
  const database = await freshPostgresDatabase(await migratedTemplate());
  try {
    const handle = await openDatabase({ url: database.url, dataDir: MEMORY_DATA_DIR, log: silentLogger, poolMax: 5 });
    return { handle, dispose: database.dispose };
  } catch (error) {
    await database.dispose();
    throw error;
  }
}

// Migrating a new database costs about half a second per store; copying a migrated one (CREATE DATABASE …
// TEMPLATE, a file copy on the server) a fraction of that. So the migrated schema is built once per server
// and set of migrations (the name carries their digest, so changed migrations build a new one), under an
// advisory lock so parallel workers build it once, and under a temporary name so a build that died
// half-way is never copied.
let templateName: Promise<string> | undefined;

function migratedTemplate(): Promise<string> {
  templateName ??= buildTemplate().catch((error: unknown) => {
    templateName = undefined;
    throw error;
  });
  return templateName;
}

async function buildTemplate(): Promise<string> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `keycard_template_${migrationsDigest().slice(0, 16)}`;
  await withAdmin(adminUrl, async (admin) => {
    await admin.query('select pg_advisory_lock(hashtext($1))', [name]);
    try {
      if ((await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount) return;
      const building = `${name}_building`;
      await admin.query(`drop database if exists ${building} with (force)`);
      await admin.query(`create database ${building}`);
      const url = new URL(adminUrl);
      url.pathname = `/${building}`;
      const handle = await openDatabase({ url: url.toString(), dataDir: MEMORY_DATA_DIR, log: silentLogger, poolMax: 1 });
      try {
        await runMigrations(handle);
      } finally {
        await handle.close();
      }
      await admin.query(`alter database ${building} rename to ${name}`);
    } finally {
      await admin.query('select pg_advisory_unlock(hashtext($1))', [name]);
    }
  });
  return name;
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

// A new PGlite runs initdb (about 2 s and 700 MB); loading a dump takes about 0.5 s, and emptying a
// used database takes milliseconds. So the empty and the migrated databases are dumped once and cached
// in the temp folder (keyed by the PGlite version and the migrations) for every test file and run, and
// within a test file a closed store's PGlite is emptied and handed to the next caller.
const dumps = new Map<string, Promise<Blob>>();
const idle: PgliteHandle[] = [];

async function freshPglite(): Promise<{ handle: DatabaseHandle; dispose(): Promise<void> }> {
  const kept = idle.pop() ?? (await pgliteFrom(migratedDump()));
  // The store's close() must not close the PGlite we mean to reuse. A lease is handed back once: a second
  // dispose (a test closing twice) would list the PGlite as idle twice, and two later callers would share it.
  let returned: Promise<void> | undefined;
  return { handle: { ...kept, close: async () => {} }, dispose: () => (returned ??= recycle(kept)) };
}

/** An in-memory PGlite as initdb leaves it, not migrated (without paying for initdb on every call). */
export function emptyPglite(): Promise<PgliteHandle> {
  return pgliteFrom(emptyDump());
}

async function pgliteFrom(dump: Promise<Blob>): Promise<PgliteHandle> {
  const handle = await openDatabase({ dataDir: MEMORY_DATA_DIR, loadDataDir: await dump, log: silentLogger });
  if (handle.driver !== 'pglite') throw new Error('expected PGlite');
  return handle;
}

async function recycle(handle: PgliteHandle): Promise<void> {
  if (handle.client.closed) return;
  try {
    await handle.client.exec(RESET_SQL);
    idle.push(handle);
  } catch {
    await handle.close();
  }
}

/** Empties every table and restarts every sequence of the public schema: a freshly migrated database again. */
const RESET_SQL = `do $$
declare
  r record;
  tables text;
begin
  select string_agg(format('%I.%I', schemaname, tablename), ', ') into tables from pg_tables where schemaname = 'public';
  if tables is not null then
    execute 'truncate table ' || tables || ' restart identity cascade';
  end if;
  for r in select sequence_schema, sequence_name from information_schema.sequences where sequence_schema = 'public' loop
    execute format('alter sequence %I.%I restart', r.sequence_schema, r.sequence_name);
  end loop;
end $$;`;

function emptyDump(): Promise<Blob> {
  return cachedDump('empty', pgliteManifest(), () => openDatabase({ dataDir: MEMORY_DATA_DIR, log: silentLogger }));
}

function migratedDump(): Promise<Blob> {
  return cachedDump('migrated', pgliteManifest() + migrationsDigest(), async () => {
    const handle = await emptyPglite();
    await runMigrations(handle);
    return handle;
  });
}

/** A dumpDataDir() tarball, built once per key and kept in memory and in the temp folder. */
function cachedDump(name: string, key: string, build: () => Promise<DatabaseHandle>): Promise<Blob> {
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const path = join(tmpdir(), `keycard-pglite-${name}-${digest}.tar.gz`);
  let dump = dumps.get(path);
  if (!dump) {
    dump = (async () => {
      if (existsSync(path)) return new Blob([await readFile(path)]);
      const handle = await build();
      try {
        if (handle.driver !== 'pglite') throw new Error('expected PGlite');
        const blob = await handle.client.dumpDataDir('gzip');
        // Write then rename, so a parallel worker never reads a half-written dump.
        const partial = `${path}.${process.pid}.partial`;
        await writeFile(partial, new Uint8Array(await blob.arrayBuffer()));
        await rename(partial, path);
        return blob;
      } finally {
        await handle.close();
      }
    })();
    dumps.set(path, dump);
  }
  return dump;
}

function pgliteManifest(): string {
  // The package does not export its package.json; its manifest sits one level above the entry file.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  return readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8');
}

function migrationsDigest(): string {
  const folder = findMigrationsFolder();
  const hash = createHash('sha256');
  for (const file of readdirSync(folder)
    .filter((name) => name.endsWith('.sql'))
    .sort()) {
    hash.update(file).update(readFileSync(join(folder, file)));
  }
  return hash.digest('hex');
}

/**
 * `dataDir`, made an initialised (not migrated) PGlite data directory, as a started Keycard's initdb
 * would leave it: copied from one initdb per PGlite version, kept in the temp folder, instead of an initdb
 * (seconds, tens of seconds on a busy machine) in every test that starts Keycard on a new data folder.
 * Under tsx there is no build template (dist/pglite-template), so a fresh folder would pay for initdb.
 */
export function seededDataDir(dataDir: string): string {
  const digest = createHash('sha256').update(pgliteManifest()).digest('hex').slice(0, 16);
  const template = join(tmpdir(), `keycard-pglite-datadir-${digest}`);
  if (!existsSync(join(template, 'PG_VERSION'))) {
    const partial = `${template}.${process.pid}.partial`;
    rmSync(partial, { recursive: true, force: true });
    prepareDataDir(partial, silentLogger, undefined);
    try {
      // Rename, so a parallel worker never copies a half-built folder; the loser of a race drops its own.
      renameSync(partial, template);
    } catch {
      rmSync(partial, { recursive: true, force: true });
    }
  }
  cpSync(template, dataDir, { recursive: true });
  return dataDir;
}
