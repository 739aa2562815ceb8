import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { type DatabaseHandle, MEMORY_DATA_DIR, openDatabase } from '../../src/store/database.js';
import { findMigrationsFolder, runMigrations } from '../../src/store/migrations.js';
import { queryRows } from '../../src/store/raw-query.js';
import { emptyPglite, freshPostgresDatabase, hasTestPostgres, type StoreKind, storeKinds } from '../helpers/db.js';

const TABLES = [
  'access_requests',
  'activity_events',
  'approvals',
  'audit_events',
  'inbound_events',
  'kv_state',
  'scim_group_members',
  'scim_groups',
  'scim_users',
];
/** However many migrations the journal lists; each must be applied exactly once. */
const MIGRATION_COUNT = (JSON.parse(readFileSync(join(findMigrationsFolder(), 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] })
  .entries.length;

async function openEmpty(kind: StoreKind): Promise<{ handle: DatabaseHandle; dispose(): Promise<void> }> {
  if (kind === 'pglite') {
    const handle = await emptyPglite();
    return { handle, dispose: () => handle.close() };
  }
  const database = await freshPostgresDatabase();
  const handle = await openDatabase({ url: database.url, dataDir: MEMORY_DATA_DIR, log: silentLogger });
  return {
    handle,
    dispose: async () => {
      await handle.close();
      await database.dispose();
    },
  };
}

async function tablesOf(handle: DatabaseHandle): Promise<string[]> {
  const rows = await queryRows(handle.db, sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`);
  return rows.map((row) => String(row.table_name));
}

describe.each(storeKinds())('migrations on %s', (kind) => {
  it('migrates an empty database, and a second run changes nothing', async () => {
    const { handle, dispose } = await openEmpty(kind);
    try {
      await runMigrations(handle);
      expect(await tablesOf(handle)).toEqual(TABLES);
      await runMigrations(handle);
      const applied = await queryRows(handle.db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
      expect(applied[0]?.n).toBe(MIGRATION_COUNT);
    } finally {
      await dispose();
    }
  });
});

describe('migrations skipped when the schema is current', () => {
  it('skips an up-to-date database but still applies a migration newer than the last one recorded', async () => {
    const handle = await emptyPglite();
    const folder = mkdtempSync(join(tmpdir(), 'kc-migrations-'));
    try {
      cpSync(findMigrationsFolder(), folder, { recursive: true });
      await runMigrations(handle, { migrationsFolder: folder });
      const journalPath = join(folder, 'meta', '_journal.json');
      const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number; when: number; tag: string }[] };
      const last = journal.entries.at(-1)!;
      journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1, tag: '9999_probe' });
      writeFileSync(journalPath, JSON.stringify(journal));
      writeFileSync(join(folder, '9999_probe.sql'), 'create table migration_probe (id int);');
      await runMigrations(handle, { migrationsFolder: folder });
      expect(await tablesOf(handle)).toContain('migration_probe');
      const applied = await queryRows(handle.db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
      expect(applied[0]?.n).toBe(MIGRATION_COUNT + 1);
    } finally {
      rmSync(folder, { recursive: true, force: true });
      await handle.close();
    }
  });
});

describe.runIf(hasTestPostgres())('migrations on a shared Postgres server', () => {
  it('lets three instances migrate the same fresh database at once', async () => {
    const database = await freshPostgresDatabase();
    const handles = await Promise.all(
      [1, 2, 3].map(() => openDatabase({ url: database.url, dataDir: MEMORY_DATA_DIR, log: silentLogger, poolMax: 2 })),
    );
    try {
      const outcomes = await Promise.allSettled(handles.map((handle) => runMigrations(handle)));
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      const [first] = handles;
      if (!first) throw new Error('no handle');
      expect(await tablesOf(first)).toEqual(TABLES);
      const applied = await queryRows(first.db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
      expect(applied[0]?.n).toBe(MIGRATION_COUNT);
    } finally {
      await Promise.all(handles.map((handle) => handle.close()));
      await database.dispose();
    }
  });
});

describe('findMigrationsFolder', () => {
  const root = resolve(import.meta.dirname, '..', '..');

  it('finds migrations/ from the source tree and from a compiled dist/ tree', () => {
    expect(findMigrationsFolder(join(root, 'src', 'store'))).toBe(join(root, 'migrations'));
    expect(findMigrationsFolder(join(root, 'dist', 'store'))).toBe(join(root, 'migrations'));
    expect(findMigrationsFolder()).toBe(join(root, 'migrations'));
  });

  it('names the missing journal when there is none above the start folder', () => {
    const empty = mkdtempSync(join(tmpdir(), 'keycard-no-migrations-'));
    try {
      expect(() => findMigrationsFolder(empty)).toThrow(/migrations\/meta\/_journal\.json/);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });
});
