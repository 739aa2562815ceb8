import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditKey, GENESIS_HASH, macAuditRow, verifyChain } from '../../src/core/audit/hash-chain.js';
import { type Logger, silentLogger } from '../../src/core/ports/runtime.js';
import type { Store } from '../../src/core/ports/store.js';
import type { AuditInput } from '../../src/core/types.js';
import { createStore } from '../../src/store/create-store.js';
import { MEMORY_DATA_DIR, openDatabase } from '../../src/store/database.js';
import { runMigrations } from '../../src/store/migrations.js';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';
import { at, MINUTE } from './fixtures.js';

const KEY: AuditKey = { id: 'k1', secret: 'ef'.repeat(32) };
const keys = (id: string) => (id === KEY.id ? KEY : undefined);

function event(n: number, actor = 'writer@example.com'): AuditInput {
  return { at: at(n * MINUTE), actor, action: 'test.event', requestId: null, details: { n } };
}

/** Resolves when `check` holds, polling; fails with `what` after 10 s. Tests wait on behaviour, not on a time. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Transactions write audit events unchained; a sequencer (one at a time across replicas, under the chain's
 * lock) chains them after the commit. On real Postgres with two pools, as two replicas are.
 */
describe.runIf(hasTestPostgres())('audit sequencer on Postgres', () => {
  let url: string;
  let dispose: () => Promise<void>;
  let sql: pg.Client;
  const opened: Store[] = [];
  const open = async (options: { sweepMs?: number; key?: AuditKey; log?: Logger } = {}) => {
    const handle = await openDatabase({ url, dataDir: MEMORY_DATA_DIR, log: silentLogger, poolMax: 3 });
    const store = createStore(handle, {
      auditKey: options.key ?? KEY,
      ...(options.sweepMs ? { auditSweepMs: options.sweepMs } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    opened.push(store);
    return store;
  };
  const unchained = async () => Number((await sql.query('select count(*) as n from audit_events where seq is null')).rows[0].n);

  beforeAll(async () => {
    const database = await freshPostgresDatabase();
    url = database.url;
    dispose = database.dispose;
    const handle = await openDatabase({ url, dataDir: MEMORY_DATA_DIR, log: silentLogger, poolMax: 1 });
    await runMigrations(handle);
    await handle.close();
    sql = new pg.Client({ connectionString: url });
    await sql.connect();
  });
  afterAll(async () => {
    for (const store of opened) await store.close();
    await sql?.end();
    await dispose?.();
  });

  it('chains what two pools committed into one keyed chain, each transaction in its own order', async () => {
    const a = await open();
    const b = await open();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? a : b).transaction(async (tx) => {
          tx.appendAudits([event(i * 10, `w${i}@example.com`), event(i * 10 + 1, `w${i}@example.com`)]);
        }),
      ),
    );
    await b.auditHead();
    const events = await a.readAudit({});
    expect(events).toHaveLength(80);
    expect(verifyChain(events, GENESIS_HASH, 1, keys)).toMatchObject({ ok: true, checked: 80 });
    expect(events.every((e) => e.keyId === KEY.id)).toBe(true);
    for (let i = 0; i < 40; i += 1) {
      const mine = events.filter((e) => e.actor === `w${i}@example.com`);
      expect(mine.map((e) => e.details.n)).toEqual([i * 10, i * 10 + 1]);
      expect(mine[1]!.seq - mine[0]!.seq).toBe(1);
    }
    expect(await unchained()).toBe(0);
  });

  it('leaves a stopped writer’s committed events unchained until another replica’s sweep chains them after the head', async () => {
    const head = await sql.query('select max(seq)::int as seq from audit_events');
    // What a replica that committed and then died before its sequencer ran leaves behind (its MAC included).
    const left = event(1000, 'crashed@example.com');
    await sql.query(
      'insert into audit_events (at, actor, action, request_id, details, key_id, mac) values ($1, $2, $3, null, $4, $5, $6)',
      [left.at, left.actor, left.action, left.details, KEY.id, macAuditRow(left, KEY)],
    );
    const reader = await open();
    expect(await reader.auditBacklog()).toBe(1);
    const chainedBefore = await reader.readAudit({});
    expect(chainedBefore.some((e) => e.actor === 'crashed@example.com')).toBe(false);
    await open({ sweepMs: 20 });
    await until('the sweep chained the left-over event', async () => (await unchained()) === 0);
    const events = await reader.readAudit({});
    expect(events.at(-1)).toMatchObject({ seq: head.rows[0].seq + 1, actor: 'crashed@example.com', keyId: KEY.id });
    expect(verifyChain(events, GENESIS_HASH, 1, keys).ok).toBe(true);
  });

  it('never chains a row inserted without the key, and says so once', async () => {
    const errors: string[] = [];
    const log: Logger = {
      ...silentLogger,
      error: (first: Record<string, unknown> | string, message?: string) => {
        errors.push(typeof first === 'string' ? first : (message ?? ''));
      },
    };
    const forged = event(2000, 'mallory@example.com');
    await sql.query(
      'insert into audit_events (at, actor, action, request_id, details, key_id, mac) values ($1, $2, $3, null, $4, $5, $6)',
      [forged.at, forged.actor, forged.action, forged.details, KEY.id, 'f'.repeat(64)],
    );
    const store = await open({ log });
    await store.transaction(async (tx) => tx.appendAudit(event(2001, 'honest@example.com')));
    await store.transaction(async (tx) => tx.appendAudit(event(2002, 'honest@example.com')));
    const events = await store.readAudit({});
    expect(events.filter((e) => e.actor === 'honest@example.com')).toHaveLength(2);
    expect(events.some((e) => e.actor === 'mallory@example.com')).toBe(false);
    expect(verifyChain(events, GENESIS_HASH, 1, keys).ok).toBe(true);
    expect(await store.auditBacklog()).toBe(1);
    expect(errors).toEqual([expect.stringContaining('writer MAC does not match its content')]);
  });
});
