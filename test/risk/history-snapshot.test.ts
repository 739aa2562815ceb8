import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { decide } from '../../src/core/lifecycle/decide.js';
import { endGrant } from '../../src/core/lifecycle/manage.js';
import { submitRequest } from '../../src/core/lifecycle/submit.js';
import { resolveResource } from '../../src/core/policy/access.js';
import { createScoringCache } from '../../src/core/risk/history-cache.js';
import { createHistorySnapshot } from '../../src/core/risk/history-snapshot.js';
import { sweepExpired, timeoutPending } from '../../src/core/scheduler/jobs.js';
import { createRng } from '../../src/risk-lab/prng.js';
import { MAX_CHANGES } from '../../src/store/history-snapshot.js';
import { makePolicy } from '../fixtures/policy.js';
import { createTestStore, storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';

// Short windows, so a few simulated days cross every boundary of the history rules.
const policy = makePolicy({
  risk: { thresholds: { historyWindow: '2d', denialWindow: '1d', velocityWindow: '1h', velocityRequests: 3, newResourcesPerDay: 2 } },
});
const t = policy.risk.thresholds;
const windows = { historyWindowMs: t.historyWindow, denialWindowMs: t.denialWindow, velocityWindowMs: t.velocityWindow };
const REQUESTERS = ['alice@example.com', 'frank@example.com', 'gina@example.com'];
const REASONS = ['fix', 'checking replication lag on the replica', 'INC-7 mitigating the outage', 'OPS-12 rotate credentials'];
const RESOURCES = Object.keys(policy.resources);
const DAY = 86_400_000;
const FOREVER = Number.MAX_SAFE_INTEGER;
const APPROVERS = { medium: ['bob@example.com'], high: ['carol@example.com'], critical: ['carol@example.com', 'dave@example.com'] };

describe.each(storeKinds())('history snapshots on %s', (kind) => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('answer what store.history and store.habitRecords answer, kept current only by the change feed', async () => {
    h = await createHarness(kind, { policy, start: new Date('2026-11-23T07:00:00Z') });
    const rng = createRng('history-snapshot');
    const cache = createScoringCache({ now: () => h.clock.now().getTime() });
    const store = h.deps.store;
    const snapshotOf = (requester: string, now: Date) =>
      cache.snapshot(requester, now.getTime() - 2 * DAY, FOREVER, (from) => store.historySnapshot(requester, new Date(from)));
    let compared = 0;
    let linked = 0;
    let withAlerts = 0;
    const nonZero = new Set<string>();
    for (let step = 0; step < 100; step += 1) {
      const now = h.clock.advance(rng.int(1, 40) * 60_000);
      await sweepExpired(h.deps, now);
      await timeoutPending(h.deps, now);
      const action = rng.weighted(['submit', 'decide', 'end', 'anomaly'] as const, [0.42, 0.33, 0.15, 0.1]);
      if (action === 'submit') {
        const resource = rng.pick(RESOURCES);
        const r = resolveResource(policy, resource)!;
        await submitRequest(h.deps, {
          requester: rng.pick(REQUESTERS),
          resource,
          level: rng.pick(r.levelNames),
          durationMs: rng.int(1, Math.floor(r.maxDuration / 60_000)) * 60_000,
          reason: rng.pick(REASONS),
          origin: { platform: 'console' },
        });
      }
      if (action === 'decide' || (action === 'submit' && rng.chance(0.5))) {
        const pending = (await store.listRequests({ statuses: ['pending'] })).filter(
          (r) => !r.approvalExpiresAt || r.approvalExpiresAt.getTime() > now.getTime(),
        );
        const request = pending.length > 0 ? rng.pick(pending) : undefined;
        if (request) {
          const deny = rng.chance(0.3);
          for (const actor of APPROVERS[request.tier as keyof typeof APPROVERS] ?? []) {
            const outcome = await decide(h.deps, { number: request.number, actor, decision: deny ? 'deny' : 'approve', comment: 'ok' });
            if (deny || !outcome.ok) break;
          }
        }
      } else if (action === 'end') {
        const active = await store.listRequests({ statuses: ['active'] });
        const grant = active.length > 0 ? rng.pick(active) : undefined;
        const release = rng.chance(0.5);
        if (grant)
          await endGrant(h.deps, {
            number: grant.number,
            actor: release ? grant.requester : 'dave@example.com',
            reason: 'done',
            mode: release ? 'release' : 'revoke',
          });
      } else if (action === 'anomaly') {
        // Half the alerts are raised on one of the person's active grants (the habit records count those per request).
        const active = await store.listRequests({ statuses: ['active'] });
        const grant = active.length > 0 && rng.chance(0.5) ? rng.pick(active) : undefined;
        const requester = grant?.requester ?? rng.pick(REQUESTERS);
        await store.transaction(async (tx) =>
          tx.appendAudit({
            at: now,
            actor: 'keycard',
            action: 'anomaly.detected',
            requestId: grant?.id ?? null,
            details: { requester, detector: 'volume-spike' },
          }),
        );
        if (grant) linked += 1;
      }
      await cache.refresh((since) => store.historyChanges(since));
      for (const requester of REQUESTERS) {
        const snapshot = await snapshotOf(requester, now);
        for (const resource of RESOURCES) {
          const expected = await store.history({ requester, resource, now, ...windows });
          expect(snapshot.history({ resource, now, ...windows }), `${requester} ${resource} step ${step}`).toEqual(expected);
          for (const [key, value] of Object.entries(expected)) if (value > 0) nonZero.add(key);
          compared += 1;
        }
        const habitQuery = { now, windowMs: t.historyWindow, ticketPattern: policy.risk.ticketPattern };
        const records = await store.habitRecords({ requester, ...habitQuery });
        expect(snapshot.habitRecords(habitQuery), `${requester} records step ${step}`).toEqual(records);
        withAlerts += records.filter((r) => r.anomalies > 0).length;
      }
    }
    const outcomes = new Set((await store.listRequests({})).map((r) => `${r.status}/${r.endReason}`));
    for (const outcome of ['denied/null', 'expired/expired', 'revoked/released', 'revoked/revoked']) expect(outcomes).toContain(outcome);
    expect(compared).toBeGreaterThan(800);
    expect(linked).toBeGreaterThan(0);
    expect(withAlerts).toBeGreaterThan(0);
    // The run exercised every count, not just the zero case.
    expect([...nonZero].sort()).toEqual(
      [
        'cleanGrantsOnResource',
        'newResourcesLastDay',
        'priorGrantsOnResource',
        'recentAnomalies',
        'recentDenials',
        'requestsInVelocityWindow',
      ].sort(),
    );
  }, 240_000);

  it('the change feed says when it returned only part of a bulk change', async () => {
    const db = await createTestStore(kind);
    try {
      const since = new Date(Date.now() - 60_000);
      const insert = (n: number) =>
        db.handle.db.execute(
          sql.raw(`insert into access_requests (number, kind, requester, resource, level, duration_ms, reason, status, score, tier, factors,
             approvals_required, approver_groups, distinct_groups, created_at, updated_at, provider, notices_sent, origin, break_glass, attempts, review_required)
           select nextval('request_number_seq'), 'access', 'user' || g || '@example.com', 'demo-db', 'read', 600000, 'bulk import', 'denied', 20,
             'medium', '[]'::jsonb, 1, '["sre"]'::jsonb, false, now(), now(), 'demo', '[]'::jsonb, '{"platform":"console"}'::jsonb, false, 0, false
           from generate_series(1, ${n}) g`),
        );
      await insert(MAX_CHANGES);
      const all = await db.store.historyChanges(since);
      expect(all.complete).toBe(true);
      expect(all.requests).toHaveLength(MAX_CHANGES);
      await insert(1);
      const partial = await db.store.historyChanges(since);
      expect(partial.complete).toBe(false);
      expect(partial.requests).toHaveLength(MAX_CHANGES);
    } finally {
      await db.close();
    }
  });

  it('a snapshot does not answer a query that reaches back before it', async () => {
    const from = Date.parse('2026-11-20T00:00:00Z');
    const snapshot = createHistorySnapshot({ requester: 'a', from, requests: [], earlier: [], anomalies: [] });
    const now = new Date(from + 2 * DAY);
    expect(snapshot.history({ resource: 'demo-db', now, ...windows })).toBeDefined();
    expect(snapshot.history({ resource: 'demo-db', now: new Date(from + 2 * DAY - 1), ...windows })).toBeUndefined();
    expect(snapshot.habitRecords({ now, windowMs: 3 * DAY, ticketPattern: policy.risk.ticketPattern })).toBeUndefined();
  });

  it('a snapshot does not answer for a time before a grant it counts only in its aggregate was activated', async () => {
    const from = Date.parse('2026-11-20T00:00:00Z');
    const activated = from + 3 * DAY;
    const earlier = [{ resource: 'demo-db', accessActivated: 1, lastAccessActivatedAt: activated, firstActivatedAt: activated }];
    const snapshot = createHistorySnapshot({ requester: 'a', from, requests: [], earlier, anomalies: [] });
    expect(snapshot.history({ resource: 'demo-db', now: new Date(activated - 1), ...windows })).toBeUndefined();
    expect(snapshot.history({ resource: 'demo-db', now: new Date(activated), ...windows })).toMatchObject({ priorGrantsOnResource: 1 });
    // Other resources do not depend on it.
    expect(snapshot.history({ resource: 'demo-logs', now: new Date(activated - 1), ...windows })).toBeDefined();
  });
});
