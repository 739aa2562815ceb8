import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditKey, GENESIS_HASH, verifyChain } from '../../src/core/audit/hash-chain.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import type { Store } from '../../src/core/ports/store.js';
import { createStore } from '../../src/store/create-store.js';
import { MEMORY_DATA_DIR, openDatabase } from '../../src/store/database.js';
import { runMigrations } from '../../src/store/migrations.js';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';
import { at, insert, MINUTE } from './fixtures.js';

const KEY: AuditKey = { id: 'k1', secret: 'cd'.repeat(32) };

/**
 * Two replicas are two processes with their own connection pools: nothing in memory serialises them, only
 * the chain's lock in Postgres, which their sequencers take in turns. Each writes transactions that move a
 * request and queue several events; the HMAC-keyed chain must come out whole, every transaction's events
 * adjacent, and nothing lost.
 */
describe.runIf(hasTestPostgres())('audit chain written by two replicas (separate pools) on Postgres', () => {
  let dispose: () => Promise<void>;
  const stores: Store[] = [];
  beforeAll(async () => {
    const database = await freshPostgresDatabase();
    dispose = database.dispose;
    for (let i = 0; i < 2; i += 1) {
      const handle = await openDatabase({ url: database.url, dataDir: MEMORY_DATA_DIR, log: silentLogger, poolMax: 4 });
      if (i === 0) await runMigrations(handle);
      stores.push(createStore(handle, { auditKey: KEY }));
    }
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await dispose?.();
  });

  it('keeps one unbroken keyed chain', async () => {
    const [a, b] = stores;
    if (!a || !b) throw new Error('two stores expected');
    const writes = Array.from({ length: 60 }, (_, i) => {
      const store = i % 2 === 0 ? a : b;
      const events = 1 + (i % 3);
      return store.transaction(async (tx) => {
        const request = await insert(tx, { requester: `writer${i}@example.com` });
        for (let e = 0; e < events; e += 1) {
          tx.appendAudit({
            at: at(i * MINUTE),
            actor: `writer${i}@example.com`,
            action: 'test.event',
            requestId: request.id,
            details: { i, e },
          });
        }
        // Work after the events were queued: the chain's lock must not be taken (and held) before it.
        await tx.update(request.id, { remindAt: at(i * MINUTE) });
      });
    });
    await Promise.all(writes);
    // Each store chains after its own commits; both have settled once each has answered a read.
    await b.auditHead();
    const events = await a.readAudit({});
    expect(await a.auditBacklog()).toBe(0);
    expect(events).toHaveLength(60 * 2);
    const check = verifyChain(events, GENESIS_HASH, 1, (id) => (id === KEY.id ? KEY : undefined));
    expect(check).toMatchObject({ ok: true, checked: 120 });
    for (let i = 0; i < 60; i += 1) {
      const mine = events.filter((event) => event.actor === `writer${i}@example.com`);
      expect(mine.map((event) => event.details.e)).toEqual(Array.from({ length: 1 + (i % 3) }, (_, e) => e));
      const seqs = mine.map((event) => event.seq);
      expect(seqs.at(-1)! - seqs[0]!).toBe(seqs.length - 1);
    }
  });
});
