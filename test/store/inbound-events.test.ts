import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInboundEventLog, storedKey } from '../../src/store/inbound-events.js';
import { createTestStore, storeKinds, type TestStore } from '../helpers/db.js';

const NOW = new Date('2026-03-02T10:00:00Z');
const MINUTE = 60_000;
const later = (ms: number) => new Date(NOW.getTime() + ms);

describe.each(storeKinds())('the inbound event log on %s', (kind) => {
  let t: TestStore;

  beforeAll(async () => {
    t = await createTestStore(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('lets the first claim of a key win, refuses repeats until it expires, then lets it be claimed again', async () => {
    const log = t.store.inbound;
    expect(await log.claim('slack', 'sig:one', NOW, MINUTE)).toBe(true);
    expect(await log.claim('slack', 'sig:one', later(MINUTE - 1), MINUTE)).toBe(false);
    // Another source has its own keys.
    expect(await log.claim('teams', 'sig:one', NOW, MINUTE)).toBe(true);
    expect(await log.claim('slack', 'sig:one', later(MINUTE), MINUTE)).toBe(true);
    expect(await log.claim('slack', 'sig:one', later(2 * MINUTE - 1), MINUTE)).toBe(false);
  });

  it('gives each key of a burst of concurrent claims to exactly one of them, repeats included', async () => {
    const log = t.store.inbound;
    const keys = Array.from({ length: 300 }, (_, i) => `burst:${i % 100}`);
    const results = await Promise.all(keys.map((key) => log.claim('slack', key, NOW, MINUTE)));
    const winners = keys.filter((_, i) => results[i]);
    expect(winners).toHaveLength(100);
    expect(new Set(winners).size).toBe(100);
    // A key expired in the table is taken over by one claim of the burst, not by several.
    const again = await Promise.all(keys.map((key) => log.claim('slack', key, later(MINUTE), MINUTE)));
    expect(again.filter(Boolean)).toHaveLength(100);
  });

  it('gives a key to exactly one of two replicas claiming overlapping keys in opposite orders', async () => {
    const a = createInboundEventLog(t.handle.db);
    const b = createInboundEventLog(t.handle.db);
    const keys = Array.from({ length: 200 }, (_, i) => `replica:${i}`);
    const [fromA, fromB] = await Promise.all([
      Promise.all(keys.map((key) => a.claim('slack', key, NOW, MINUTE))),
      Promise.all([...keys].reverse().map((key) => b.claim('slack', key, NOW, MINUTE))),
    ]);
    const wonByB = new Set(keys.filter((_, i) => fromB[keys.length - 1 - i]));
    keys.forEach((key, i) => {
      expect(fromA[i] !== wonByB.has(key), key).toBe(true);
    });
  });

  it('never reports a claim it did not record when the database refuses a statement', async () => {
    const log = t.store.inbound;
    const keys = ['refused:a', 'refused:z', 'refused:b', 'refused:c'];
    // A constraint only 'refused:z' breaks, standing in for a database that refuses a statement.
    await t.handle.db.execute(sql`alter table inbound_events add constraint test_refuse_statement check (key <> 'refused:z')`);
    let settled: PromiseSettledResult<boolean>[];
    try {
      settled = await Promise.allSettled(keys.map((key) => log.claim('slack', key, NOW, MINUTE)));
    } finally {
      await t.handle.db.execute(sql`alter table inbound_events drop constraint test_refuse_statement`);
    }
    // That claim fails, and so may the others sent in its statement.
    expect(settled[1]?.status).toBe('rejected');
    for (const [i, key] of keys.entries()) {
      const recorded = settled[i]?.status === 'fulfilled';
      if (recorded) expect((settled[i] as PromiseFulfilledResult<boolean>).value).toBe(true);
      // A recorded claim stays taken; a failed one left nothing behind, so the sender's retry wins it.
      expect(await log.claim('slack', key, NOW, MINUTE), key).toBe(!recorded);
    }
  });
});

describe.each(storeKinds())('claiming all keys of one event on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await createTestStore(kind);
  });
  afterAll(async () => {
    await t.close();
  });
  const keys = (...names: string[]) => names.map((key) => ({ key, ttlMs: MINUTE }));

  it('is first only when it recorded every key, and the keys it did record stay taken', async () => {
    const log = t.store.inbound;
    expect(await log.claimAll('slack', keys('sig:a', 'trigger:t'), NOW)).toBe(true);
    // A resend with a new signature: its signature is new, its trigger is not, so it is not first.
    expect(await log.claimAll('slack', keys('sig:b', 'trigger:t'), NOW)).toBe(false);
    expect(await log.claim('slack', 'sig:b', NOW, MINUTE)).toBe(false);
    expect(await log.claimAll('slack', keys('sig:a', 'trigger:t'), later(MINUTE - 1))).toBe(false);
    // Once every key expired, the event can be claimed again.
    expect(await log.claimAll('slack', keys('sig:a', 'trigger:t'), later(MINUTE))).toBe(true);
  });

  it('gives a key wanted by two events of one batch to the first only, and only it is first', async () => {
    const log = t.store.inbound;
    const results = await Promise.all([
      log.claimAll('slack', keys('batch:lead'), NOW),
      log.claimAll('slack', keys('batch:x1', 'batch:shared'), NOW),
      log.claimAll('slack', keys('batch:x2', 'batch:shared'), NOW),
    ]);
    expect(results).toEqual([true, true, false]);
  });

  it("records none of an event's keys when the statement fails after inserting some of them", async () => {
    const log = t.store.inbound;
    // A constraint that only the later of the two rows breaks: the first is inserted before the statement fails.
    await t.handle.db.execute(sql`alter table inbound_events add constraint test_refuse_key check (key <> 'atomic:z')`);
    try {
      await expect(log.claimAll('slack', keys('atomic:a', 'atomic:z'), NOW)).rejects.toThrow();
    } finally {
      await t.handle.db.execute(sql`alter table inbound_events drop constraint test_refuse_key`);
    }
    // Nothing was left behind, so the sender's retry wins both keys.
    expect(await log.claimAll('slack', keys('atomic:a', 'atomic:z'), NOW)).toBe(true);
  });

  it('stores a key Postgres could not store or index as its digest, so it claims (and repeats) like any other', async () => {
    const log = t.store.inbound;
    const odd = ['odd:nul\u0000byte', 'odd:\ud800', 'odd:\ud801', 'odd:\udc00lead', `odd:${'x'.repeat(6_000)}`, `odd:${'y'.repeat(6_000)}`];
    // Batched together with an ordinary claim, which must not fail because of them.
    const first = await Promise.all([
      log.claim('teams', 'odd:plain', NOW, MINUTE),
      ...odd.map((key) => log.claim('teams', key, NOW, MINUTE)),
    ]);
    expect(first).toEqual(first.map(() => true));
    // Two different lone surrogates, or two long keys, are two keys (no collision in the digest).
    const again = await Promise.all(odd.map((key) => log.claim('teams', key, later(MINUTE - 1), MINUTE)));
    expect(again).toEqual(odd.map(() => false));
    // A released odd key can be claimed again.
    await log.release('teams', odd[0]!);
    expect(await log.claim('teams', odd[0]!, NOW, MINUTE)).toBe(true);
    expect(storedKey('sig:plain')).toBe('sig:plain');
    expect(storedKey(odd[4]!)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('refuses a claim with a lifetime that is not positive, alone, without failing claims batched with it', async () => {
    const log = t.store.inbound;
    const [bad, good] = await Promise.allSettled([
      log.claimAll('slack', [{ key: 'ttl:bad', ttlMs: Number.NaN }], NOW),
      log.claimAll('slack', keys('ttl:good'), NOW),
    ]);
    expect(bad.status).toBe('rejected');
    expect(good).toEqual({ status: 'fulfilled', value: true });
    expect(await log.claim('slack', 'ttl:bad', NOW, MINUTE)).toBe(true);
  });

  it('refuses a claim with no keys instead of calling it first', async () => {
    await expect(t.store.inbound.claimAll('slack', [], NOW)).rejects.toThrow('at least one key');
  });
});
