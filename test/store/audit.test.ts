import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, verifyChain } from '../../src/core/audit/hash-chain.js';
import type { AuditInput } from '../../src/core/types.js';
import { auditEvents } from '../../src/store/schema.js';
import { createTestStore, storeKinds, type TestStore } from '../helpers/db.js';
import { at, insert, MINUTE } from './fixtures.js';

function event(n: number, overrides: Partial<AuditInput> = {}): AuditInput {
  return { at: at(n * MINUTE), actor: 'alice@example.com', action: 'request.submitted', requestId: null, details: { n }, ...overrides };
}

// The tests build one chain in order; the tampering test comes last because it breaks it.
describe.each(storeKinds())('audit log on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await createTestStore(kind);
  });
  afterAll(() => t.close());

  it('starts at seq 1 from the genesis hash and links each event to the one before', async () => {
    const request = await t.store.transaction((tx) => insert(tx));
    await t.store.transaction(async (tx) => tx.appendAudit(event(1, { requestId: request.id })));
    await t.store.transaction(async (tx) => {
      tx.appendAudit(event(2));
      tx.appendAudit(event(3));
    });
    const events = await t.store.readAudit({});
    const [first, second, third] = events;
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, requestId: request.id, at: at(MINUTE) });
    expect(second).toMatchObject({ seq: 2, prevHash: first?.hash, details: { n: 2 } });
    expect(third).toMatchObject({ seq: 3, prevHash: second?.hash, details: { n: 3 } });
    expect(events).toHaveLength(3);
    expect(verifyChain(events, GENESIS_HASH, 1)).toEqual({ ok: true, checked: 3, lastHash: third?.hash });
  });

  it('hashes details as stored, so Dates and undefined values still verify after a round trip', async () => {
    const details = { when: at(0), gone: undefined, list: [1, 'two', { b: 2, a: 1 }], nested: { z: null } };
    await t.store.transaction(async (tx) => {
      tx.appendAudit(event(4, { details }));
      // Queued events are recorded as they were when appended, not as the caller's object is at commit.
      details.nested.z = 'changed' as unknown as null;
    });
    const [read] = await t.store.readAudit({ afterSeq: 3 });
    expect(read?.details).toEqual({ when: at(0).toISOString(), list: [1, 'two', { a: 1, b: 2 }], nested: { z: null } });
    expect(verifyChain(await t.store.readAudit({})).ok).toBe(true);
  });

  it('gives no sequence number to an event whose transaction rolled back', async () => {
    await expect(
      t.store.transaction(async (tx) => {
        tx.appendAudit(event(5));
        throw new Error('grant failed');
      }),
    ).rejects.toThrow('grant failed');
    await t.store.transaction(async (tx) => tx.appendAudit(event(6)));
    const [next] = await t.store.readAudit({ afterSeq: 4 });
    expect(next).toMatchObject({ seq: 5, details: { n: 6 } });
    expect(verifyChain(await t.store.readAudit({}), GENESIS_HASH, 1).ok).toBe(true);
  });

  it('reads by since, afterSeq and limit, in seq order', async () => {
    expect((await t.store.readAudit({ afterSeq: 2, limit: 2 })).map((e) => e.seq)).toEqual([3, 4]);
    expect((await t.store.readAudit({ since: at(3 * MINUTE) })).map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(await t.store.readAudit({ afterSeq: 99 })).toEqual([]);
  });

  it.runIf(kind === 'pg')('keeps one unbroken chain under concurrent writers', async () => {
    const before = (await t.store.readAudit({})).length;
    await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        t.store.transaction(async (tx) => {
          tx.appendAudit(event(100 + i, { actor: `writer-${i}` }));
          await new Promise((resolve) => setTimeout(resolve, i % 3));
          tx.appendAudit(event(200 + i, { actor: `writer-${i}` }));
        }),
      ),
    );
    const events = await t.store.readAudit({});
    expect(events).toHaveLength(before + 32);
    expect(verifyChain(events, GENESIS_HASH, 1)).toMatchObject({ ok: true, checked: before + 32 });
    // A transaction's two events are adjacent: the lock is held until commit.
    for (let i = 0; i < 16; i += 1) {
      const seqs = events.filter((e) => e.actor === `writer-${i}`).map((e) => e.seq);
      expect(seqs[1]).toBe((seqs[0] ?? 0) + 1);
    }
  });

  it('reports the seq of an event whose details were altered', async () => {
    await t.handle.db
      .update(auditEvents)
      .set({ details: { n: 999 } })
      .where(eq(auditEvents.seq, 2));
    expect(verifyChain(await t.store.readAudit({}))).toMatchObject({ ok: false, brokenSeq: 2 });
  });
});
