import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** A grant that was activated a minute after it was created and ended as given. */
function ended(
  createdMsAgo: number,
  status: 'expired' | 'revoked',
  endReason: 'expired' | 'released' | 'revoked',
): Partial<NewAccessRequest> {
  return { createdAt: at(-createdMsAgo), activatedAt: at(-createdMsAgo + MINUTE), status, endReason };
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
  { status: 'denied', resource: 'vault', createdAt: at(-2 * DAY) }, // denial
  { status: 'denied', resource: 'vault', createdAt: at(-8 * DAY) }, // nothing: outside the denial window
  { status: 'pending', resource: 'billing-db', createdAt: at(-30 * MINUTE) }, // velocity, new resource
  { status: 'cancelled', resource: 'billing-db', createdAt: at(-10 * MINUTE) }, // velocity; billing-db counted once
  { status: 'active', resource: 's3-logs', createdAt: at(-2 * HOUR), activatedAt: at(-90 * MINUTE) }, // new resource: first activated today
  { status: 'merged', kind: 'extension', resource: 'k8s-prod', createdAt: at(-3 * HOUR) }, // not new: granted before today
];

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
});
