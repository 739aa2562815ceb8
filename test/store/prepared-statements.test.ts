import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { usePreparedStatements } from '../../src/store/compiled-sql.js';
import { createStore } from '../../src/store/create-store.js';
import { MEMORY_DATA_DIR, openDatabase } from '../../src/store/database.js';
import { runMigrations } from '../../src/store/migrations.js';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';
import { insert } from './fixtures.js';

/**
 * DATABASE_PREPARED_STATEMENTS: the hot statements are prepared by name on each connection by default, and
 * run unnamed when it is off (a pooler in transaction mode hands a session's statements to other connections).
 */
describe.runIf(hasTestPostgres())('prepared statements on Postgres', () => {
  let database: { url: string; dispose(): Promise<void> };
  beforeAll(async () => {
    database = await freshPostgresDatabase();
    const handle = await openDatabase({ url: database.url, dataDir: MEMORY_DATA_DIR, log: silentLogger, poolMax: 1 });
    try {
      await runMigrations(handle);
    } finally {
      await handle.close();
    }
  });
  afterEach(() => usePreparedStatements(true));
  afterAll(() => database.dispose());

  /** Statements the single pooled connection holds prepared after a few store reads and writes. */
  async function preparedAfterWork(preparedStatements: boolean | 'protocol'): Promise<{ protocol: number; sql: number }> {
    const handle = await openDatabase({ url: database.url, dataDir: MEMORY_DATA_DIR, log: silentLogger, poolMax: 1, preparedStatements });
    if (handle.driver !== 'pg') throw new Error('expected node-postgres');
    try {
      const store = createStore(handle);
      await store.listRequests({ requester: 'ann@example.com', limit: 5 });
      await store.history({
        requester: 'ann@example.com',
        resource: 'prod-db',
        now: new Date(),
        historyWindowMs: 86_400_000,
        denialWindowMs: 86_400_000,
        velocityWindowMs: 3_600_000,
      });
      // A transaction's locking read and audit insert (EXECUTEs of session statements when prepared statements are on).
      const request = await store.transaction((tx) => insert(tx, { requester: 'ann@example.com' }));
      await store.transaction(async (tx) => {
        expect((await tx.lockRequestByNumber(request.number))?.id).toBe(request.id);
        tx.appendAudit({ at: new Date(), actor: 'keycard', action: 'test.locked', requestId: request.id, details: {} });
      });
      expect((await store.readAudit({})).map((e) => e.action)).toContain('test.locked');
      const { rows } = await handle.pool.query<{ protocol: number; sql: number }>(
        'select (count(*) filter (where not from_sql))::int as protocol, (count(*) filter (where from_sql))::int as sql from pg_prepared_statements',
      );
      return rows[0]!;
    } finally {
      await handle.close();
    }
  }

  it('prepares the hot statements by name by default', async () => {
    const prepared = await preparedAfterWork(true);
    expect(prepared.protocol).toBeGreaterThan(0);
    expect(prepared.sql).toBeGreaterThan(0);
  });

  it('prepares none when turned off, and the store still answers', async () => {
    expect(await preparedAfterWork(false)).toEqual({ protocol: 0, sql: 0 });
  });

  it('with "protocol", prepares named statements only, never with SQL PREPARE (which PgBouncer does not carry between server connections)', async () => {
    const prepared = await preparedAfterWork('protocol');
    expect(prepared.protocol).toBeGreaterThan(0);
    expect(prepared.sql).toBe(0);
  });

  it('prepares a session statement again after the server session lost it, failing one transaction, not every one', async () => {
    const handle = await openDatabase({ url: database.url, dataDir: MEMORY_DATA_DIR, log: silentLogger, poolMax: 1 });
    if (handle.driver !== 'pg') throw new Error('expected node-postgres');
    try {
      const store = createStore(handle);
      const request = await store.transaction((tx) => insert(tx, { requester: 'bob@example.com' }));
      const lock = () => store.transaction((tx) => tx.lockRequestByNumber(request.number));
      expect((await lock())?.id).toBe(request.id);
      // The one pooled connection's server session drops the SQL-level statements, as a new server session would lack them.
      const { rows } = await handle.pool.query<{ name: string }>(
        "select name from pg_prepared_statements where from_sql and name like 'kcs_%'",
      );
      expect(rows.length).toBeGreaterThan(0);
      for (const { name } of rows) await handle.pool.query(`deallocate ${name}`);
      await expect(lock()).rejects.toThrow();
      expect((await lock())?.id).toBe(request.id);
      expect((await lock())?.id).toBe(request.id);
    } finally {
      await handle.close();
    }
  });
});
