import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHistorySnapshot } from '../../src/core/risk/history-snapshot.js';
import type { HistoryQuery, NewAccessRequest } from '../../src/core/types.js';
import { createTestStore, storeKinds, type TestStore } from '../helpers/db.js';
import { at, DAY, HOUR, insert, MINUTE } from './fixtures.js';

const NOW = at(0);
const ME = 'history@example.com';
const OTHER = 'someone-else@example.com';

const query: HistoryQuery = {
  requester: ME,
  resource: 'prod-db',
  now: NOW,
  historyWindowMs: 90 * DAY,
  denialWindowMs: 7 * DAY,
  velocityWindowMs: HOUR,
};

/** A grant that was activated a minute after it was created and ended as given an hour later. */
function ended(
  createdMsAgo: number,
  status: 'expired' | 'revoked',
  endReason: 'expired' | 'released' | 'revoked',
): Partial<NewAccessRequest> {
  return { createdAt: at(-createdMsAgo), activatedAt: at(-createdMsAgo + MINUTE), endedAt: at(-createdMsAgo + HOUR), status, endReason };
}

// Each row says which counters it should move; rows by OTHER must move none.
const ROWS: Partial<NewAccessRequest>[] = [
  { ...ended(10 * DAY, 'expired', 'expired') }, // clean, prior
  { ...ended(20 * DAY, 'revoked', 'released') }, // clean, prior
  { ...ended(5 * DAY, 'revoked', 'revoked') }, // prior only: ended by a revoke
  { ...ended(100 * DAY, 'expired', 'expired') }, // prior only: outside the history window
  { ...ended(3 * DAY, 'expired', 'expired'), kind: 'extension' }, // nothing: extensions are not grants of their own
  { ...ended(2 * DAY, 'expired', 'expired'), resource: 'k8s-prod' }, // nothing for prod-db; makes k8s-prod known
  { status: 'expired', endReason: 'expired', createdAt: at(-4 * DAY) }, // nothing: never activated
  { status: 'active', createdAt: at(-59 * MINUTE), activatedAt: at(-58 * MINUTE) }, // prior, velocity; prod-db is not new
  { status: 'denied', resource: 'vault', createdAt: at(-2 * DAY), decidedAt: at(-2 * DAY + MINUTE) }, // denial
  { status: 'denied', resource: 'vault', createdAt: at(-8 * DAY), decidedAt: at(-8 * DAY + MINUTE) }, // nothing: outside the denial window
  { status: 'pending', resource: 'billing-db', createdAt: at(-30 * MINUTE) }, // velocity, new resource
  { status: 'cancelled', resource: 'billing-db', createdAt: at(-10 * MINUTE) }, // velocity; billing-db counted once
  { status: 'active', resource: 's3-logs', createdAt: at(-2 * HOUR), activatedAt: at(-90 * MINUTE) }, // new resource: first activated today
  { status: 'merged', kind: 'extension', resource: 'k8s-prod', createdAt: at(-3 * HOUR) }, // not new: granted before today
];

// A requester whose history straddles AS_OF: each row says what it moves as of AS_OF; the rest came later.
const LATER = 'later@example.com';
const AS_OF = at(-5 * DAY);
const since = (ms: number) => new Date(AS_OF.getTime() + ms);
const LATER_ROWS: Partial<NewAccessRequest>[] = [
  // prior, new resource; not yet clean: it ended after AS_OF
  { createdAt: since(-2 * HOUR), activatedAt: since(-2 * HOUR + MINUTE), endedAt: since(HOUR), status: 'expired', endReason: 'expired' },
  // velocity; not yet a grant: activated after AS_OF
  { createdAt: since(-10 * MINUTE), activatedAt: since(5 * MINUTE), status: 'active' },
  // velocity, new resource; not yet a denial: decided after AS_OF
  { resource: 'billing-db', createdAt: since(-30 * MINUTE), decidedAt: since(10 * MINUTE), status: 'denied' },
  // nothing as of AS_OF: all after it
  { resource: 'vault', createdAt: since(HOUR), decidedAt: since(2 * HOUR), status: 'denied' },
  {
    createdAt: since(2 * HOUR),
    activatedAt: since(2 * HOUR + MINUTE),
    endedAt: since(150 * MINUTE),
    status: 'revoked',
    endReason: 'released',
  },
];
const asOf: HistoryQuery = { ...query, requester: LATER, now: AS_OF };

describe.each(storeKinds())('history on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await createTestStore(kind);
    await t.store.transaction(async (tx) => {
      for (const row of ROWS) await insert(tx, { ...row, requester: ME });
      for (const row of ROWS) await insert(tx, { ...row, requester: OTHER });
      const anomaly = (requester: string, msAgo: number, action = 'anomaly.detected') =>
        tx.appendAudit({ at: at(-msAgo), actor: 'monitor', action, requestId: null, details: { requester, detector: 'bulk-read' } });
      await anomaly(ME, 5 * DAY);
      await anomaly(ME, 100 * DAY); // outside the history window
      await anomaly(ME, DAY, 'anomaly.cleared');
      await anomaly(OTHER, DAY);
      for (const row of LATER_ROWS) await insert(tx, { ...row, requester: LATER });
      await anomaly(LATER, 5 * DAY + HOUR); // an hour before AS_OF
      await anomaly(LATER, 5 * DAY - HOUR); // an hour after it
    });
  });
  afterAll(() => t.close());

  it('counts each field from the requester’s own rows and windows', async () => {
    const expected = {
      cleanGrantsOnResource: 2,
      priorGrantsOnResource: 5,
      recentDenials: 1,
      recentAnomalies: 1,
      requestsInVelocityWindow: 3,
      newResourcesLastDay: 2,
    };
    expect(await t.store.history(query)).toEqual(expected);
    expect(await t.store.transaction((tx) => tx.history(query))).toEqual(expected);
  });

  it('is all zeros for someone without history', async () => {
    expect(await t.store.history({ ...query, requester: 'newcomer@example.com' })).toEqual({
      cleanGrantsOnResource: 0,
      priorGrantsOnResource: 0,
      recentDenials: 0,
      recentAnomalies: 0,
      requestsInVelocityWindow: 0,
      newResourcesLastDay: 0,
    });
  });

  it('moves with the resource and the windows', async () => {
    expect(await t.store.history({ ...query, resource: 'k8s-prod' })).toMatchObject({ cleanGrantsOnResource: 1, priorGrantsOnResource: 1 });
    expect(await t.store.history({ ...query, historyWindowMs: 15 * DAY })).toMatchObject({ cleanGrantsOnResource: 1, recentAnomalies: 1 });
    expect(await t.store.history({ ...query, denialWindowMs: 9 * DAY, velocityWindowMs: 3 * HOUR })).toMatchObject({
      recentDenials: 2,
      requestsInVelocityWindow: 4,
    });
  });

  it('as of a past time, counts nothing recorded after it: later requests, activations, ends, denials, anomalies', async () => {
    const expected = {
      cleanGrantsOnResource: 0,
      priorGrantsOnResource: 1,
      recentDenials: 0,
      recentAnomalies: 1,
      requestsInVelocityWindow: 2,
      newResourcesLastDay: 2,
    };
    expect(await t.store.history(asOf)).toEqual(expected);
    expect(await t.store.transaction((tx) => tx.history(asOf))).toEqual(expected);
    // The in-memory snapshot the scoring cache holds (read now, so it holds the later rows too) answers the same.
    const snapshot = createHistorySnapshot(await t.store.historySnapshot(LATER, new Date(AS_OF.getTime() - 91 * DAY)));
    expect(snapshot.history(asOf)).toEqual(expected);
    // Three hours later, everything above has happened.
    const later = { ...asOf, now: since(3 * HOUR) };
    const now = {
      cleanGrantsOnResource: 2,
      priorGrantsOnResource: 3,
      recentDenials: 2,
      recentAnomalies: 2,
      requestsInVelocityWindow: 1,
      newResourcesLastDay: 3,
    };
    expect(await t.store.history(later)).toEqual(now);
    expect(snapshot.history(later)).toEqual(now);
  });
});
