import { afterEach, describe, expect, it } from 'vitest';
import { decide } from '../../src/core/lifecycle/decide.js';
import { endGrant } from '../../src/core/lifecycle/manage.js';
import { submitRequest } from '../../src/core/lifecycle/submit.js';
import { resolveResource } from '../../src/core/policy/access.js';
import { replayAudit } from '../../src/core/risk/audit-ledger.js';
import { assessAsSubmitted, riskInputFor } from '../../src/core/risk/risk-features.js';
import { sweepExpired, timeoutPending } from '../../src/core/scheduler/jobs.js';
import type { RequesterHistory } from '../../src/core/types.js';
import { createRng } from '../../src/risk-lab/prng.js';
import { makePolicy } from '../fixtures/policy.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';

// Short windows, so a few simulated days cross every boundary of the history rules.
// Alice is on call throughout, so her incident requests also carry the on-call factor and incident relief.
const policy = makePolicy({
  risk: { thresholds: { historyWindow: '2d', denialWindow: '1d', velocityWindow: '1h', velocityRequests: 3, newResourcesPerDay: 2 } },
  onCall: { rotations: { primary: { members: ['alice@example.com'], start: '2026-11-01T00:00:00+01:00', shift: '30d' } } },
});
const t = policy.risk.thresholds;
const windows = { historyWindowMs: t.historyWindow, denialWindowMs: t.denialWindow, velocityWindowMs: t.velocityWindow };
const REQUESTERS = ['alice@example.com', 'frank@example.com', 'gina@example.com'];
const REASONS = ['fix', 'checking replication lag on the replica', 'INC-7 mitigating the outage', 'OPS-12 rotate credentials'];

describe.each(storeKinds())('replayed history on %s', (kind) => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('gives every request the history store.history() gave it, and the score it was recorded with', async () => {
    h = await createHarness(kind, { policy, start: new Date('2026-11-23T07:00:00Z') });
    const rng = createRng('history-tracker');
    const seen = new Map<string, RequesterHistory>();
    const approverFor = { medium: ['bob@example.com'], high: ['carol@example.com'], critical: ['carol@example.com', 'dave@example.com'] };
    for (let step = 0; step < 120; step += 1) {
      const now = h.clock.advance(rng.int(1, 150) * 60_000);
      await sweepExpired(h.deps, now);
      // As the scheduler would: requests past their approval TTL time out (a decision after it is refused).
      await timeoutPending(h.deps, now);
      const action = rng.weighted(['submit', 'decide', 'end', 'anomaly'] as const, [0.5, 0.3, 0.15, 0.05]);
      if (action === 'submit') {
        const requester = rng.pick(REQUESTERS);
        const resource = rng.pick(Object.keys(policy.resources));
        const r = resolveResource(policy, resource)!;
        const query = { requester, resource, now, ...windows };
        const expected = await h.deps.store.history(query);
        const result = await submitRequest(h.deps, {
          requester,
          resource,
          level: rng.pick(r.levelNames),
          durationMs: rng.int(1, Math.floor(r.maxDuration / 60_000)) * 60_000,
          reason: rng.pick(REASONS),
          origin: { platform: 'console' },
        });
        if (result.ok) seen.set(result.value.id, expected);
      } else if (action === 'decide') {
        // Only requests still inside their approval TTL can be decided (a late decision is refused and times the request out).
        const pending = (await h.deps.store.listRequests({ statuses: ['pending'] })).filter(
          (r) => !r.approvalExpiresAt || r.approvalExpiresAt.getTime() > now.getTime(),
        );
        const request = pending.length > 0 ? rng.pick(pending) : undefined;
        if (!request) continue;
        const deny = rng.chance(0.3);
        for (const actor of approverFor[request.tier as keyof typeof approverFor] ?? []) {
          const outcome = await decide(h.deps, { number: request.number, actor, decision: deny ? 'deny' : 'approve', comment: 'reviewed' });
          if (deny || !outcome.ok) break;
        }
      } else if (action === 'end') {
        const active = await h.deps.store.listRequests({ statuses: ['active'] });
        const grant = active.length > 0 ? rng.pick(active) : undefined;
        if (!grant) continue;
        const byRequester = rng.chance(0.6);
        await endGrant(h.deps, {
          number: grant.number,
          actor: byRequester ? grant.requester : 'dave@example.com',
          reason: 'done',
          mode: byRequester ? 'release' : 'revoke',
        });
      } else {
        // Half the alerts name a live grant (as the activity monitor does), half only the requester.
        const active = await h.deps.store.listRequests({ statuses: ['active'] });
        const grant = active.length > 0 && rng.chance(0.5) ? rng.pick(active) : undefined;
        const requester = grant?.requester ?? rng.pick(REQUESTERS);
        await h.deps.store.transaction(async (tx) =>
          tx.appendAudit({
            at: now,
            actor: 'keycard',
            action: 'anomaly.detected',
            requestId: grant?.id ?? null,
            details: { requester, detector: 'volume-spike', ...(grant ? { ref: `KC-${grant.number}` } : {}) },
          }),
        );
      }
    }

    const ledger = replayAudit(await h.deps.store.readAudit({}), windows, { policy });
    expect(seen.size).toBeGreaterThan(30);
    const requests = ledger.requests();
    expect(requests.map((r) => r.id).sort()).toEqual([...seen.keys()].sort());
    for (const request of requests) {
      expect(request.history, request.ref).toEqual(seen.get(request.id));
      const again = assessAsSubmitted(policy, riskInputFor(policy, request)!);
      expect({ score: again.score, tier: again.tier, factors: again.factors }, request.ref).toEqual(request.recorded);
    }
    // The run exercised the interesting rules, not just the zero case.
    const histories = [...seen.values()];
    for (const key of [
      'cleanGrantsOnResource',
      'priorGrantsOnResource',
      'recentDenials',
      'recentAnomalies',
      'requestsInVelocityWindow',
      'newResourcesLastDay',
    ] as const) {
      expect(
        histories.some((x) => x[key] > 0),
        key,
      ).toBe(true);
    }
    // An alert on a grant reached a later request on the same resource, and the recorded score agreed.
    expect(requests.some((r) => r.recorded.factors.some((f) => f.id === 'session-anomaly'))).toBe(true);
  }, 180_000);
});
