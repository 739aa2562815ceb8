import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInboundEventLog } from '../../src/store/inbound-events.js';
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
    const keys = ['refused:a', 'refused:\u0000', 'refused:b', 'refused:c'];
    const settled = await Promise.allSettled(keys.map((key) => log.claim('slack', key, NOW, MINUTE)));
    // Postgres refuses a NUL in text: that claim fails, and so may the others sent in its statement.
    expect(settled[1]?.status).toBe('rejected');
    for (const [i, key] of keys.entries()) {
      if (i === 1) continue;
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

  it("records none of an event's keys when the database refuses one of them", async () => {
    const log = t.store.inbound;
    await expect(log.claimAll('slack', keys('atomic:ok', 'atomic:\u0000'), NOW)).rejects.toThrow();
    // Nothing was left behind, so the sender's retry wins the good key.
    expect(await log.claim('slack', 'atomic:ok', NOW, MINUTE)).toBe(true);
  });

  it('refuses a claim with no keys instead of calling it first', async () => {
    await expect(t.store.inbound.claimAll('slack', [], NOW)).rejects.toThrow('at least one key');
  });
});
