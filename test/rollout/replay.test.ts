import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { Policy } from '../../src/core/policy/schema.js';
import { onCallFromFactors } from '../../src/core/risk/habit-factors.js';
import { historyAsOf } from '../../src/core/rollout/history-as-of.js';
import { judgeRequest } from '../../src/core/rollout/judge-request.js';
import { approverRecordsOver, pastsByRequester, reasonPeersOver, recordedRequests } from '../../src/core/rollout/recorded-requests.js';
import { replayHistory } from '../../src/core/rollout/replay.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const CAROL = 'carol@example.com';
const ERIN = 'erin@example.com';
const DAY = 86_400_000;

/** The fixture policy with admin access weighted up, demo-db's maximum halved and demo-logs removed. */
function candidatePolicy(): Policy {
  const { 'demo-logs': _removed, ...resources } = basePolicyInput.resources ?? {};
  return makePolicy({
    resources: { ...resources, 'demo-db': { ...resources['demo-db']!, maxDuration: '2h' } },
    risk: { levels: { read: 0, write: 15, admin: 40 } },
  });
}

describe.each(storeKinds())('policy replay on %s', (kind) => {
  let h: Harness;
  afterEach(async () => h?.close());

  const run = (actor: string, text: string) => handleCommand(h.deps, { actor, text, origin: { platform: 'console', user: actor } });

  /** Four requests made through the real lifecycle on a Tuesday morning, a few minutes apart. */
  async function recordHistory(): Promise<void> {
    await run(ALICE, '/access demo-logs 1h read rotate the nightly logs OPS-12'); // low, auto-approved
    h.clock.advance(5 * 60_000);
    await run(ALICE, '/access demo-db 15m read checking replication lag INC-42'); // medium
    await run(BOB, 'approve KC-2');
    h.clock.advance(5 * 60_000);
    await run(BOB, '/access demo-db 3h read long migration check OPS-7'); // medium, 3h of 4h
    await run(ERIN, 'approve KC-3');
    h.clock.advance(5 * 60_000);
    await run(CAROL, '/access demo-admin 30m admin fix the stuck orders INC-9'); // high, stays pending
    h.clock.advance(60 * 60_000);
  }

  async function replay(candidate: Policy) {
    const until = h.clock.now();
    const since = new Date(until.getTime() - 30 * DAY);
    const rows = await h.deps.store.listRequests({});
    const events = await h.deps.store.readAudit({});
    return replayHistory({
      requests: recordedRequests(rows, events, since, until),
      pastOf: pastsByRequester(rows, events),
      org: { reasonPeers: reasonPeersOver(rows), approverRecord: approverRecordsOver(rows, events) },
      current: h.deps.policy(),
      candidate,
      since,
      until,
    });
  }

  it('reports exactly the raised tier, the lowered maximum and the removed resource', async () => {
    h = await createHarness(kind);
    await recordHistory();
    const auditBefore = (await h.deps.store.readAudit({})).length;
    const report = await replay(candidatePolicy());

    expect(report.total).toBe(4);
    expect(report.changed.map((c) => [c.request.ref, c.changes])).toEqual([
      ['KC-1', ['refused']],
      ['KC-3', ['refused']],
      ['KC-4', ['tier', 'approvers']],
    ]);
    const [logs, long, admin] = report.changed;
    expect(logs?.candidate).toMatchObject({ outcome: 'refused', code: 'unknown_resource' });
    expect(long?.candidate).toMatchObject({ outcome: 'refused', code: 'duration_over_max' });
    expect(admin?.current).toMatchObject({ outcome: 'routed', tier: 'high', score: 70, approvers: ['db-owners'] });
    expect(admin?.candidate).toMatchObject({
      outcome: 'routed',
      tier: 'critical',
      score: 85,
      approvals: 2,
      approvers: ['db-owners', 'security'],
    });
    expect(report.counts).toEqual({ tier: 1, approvers: 1, auto_approval: 0, refused: 2, accepted: 0 });
    expect(report.newlyRefused).toEqual({ unknown_resource: 1, duration_over_max: 1 });
    expect(report.review).toEqual({
      current: { routed: 4, humanReview: 3, share: 0.75 },
      candidate: { routed: 2, humanReview: 2, share: 1 },
      deltaPoints: 25,
    });
    // The current policy replayed reproduces, for every request, the score and tier recorded at the time.
    const rows = await h.deps.store.listRequests({});
    const events = await h.deps.store.readAudit({});
    const pastOf = pastsByRequester(rows, events);
    for (const request of recordedRequests(rows, events, new Date(0), h.clock.now())) {
      const row = rows.find((r) => `KC-${r.number}` === request.ref)!;
      expect(
        judgeRequest(h.deps.policy(), request, pastOf(request.requester), {
          reasonPeers: reasonPeersOver(rows),
          approverRecord: approverRecordsOver(rows, events),
        }),
      ).toMatchObject({
        tier: row.tier,
        score: row.score,
      });
    }
    expect((await h.deps.store.readAudit({})).length).toBe(auditBefore);
  });

  it('replays on-call incident relief as recorded, and reports a candidate that stops the relief', async () => {
    const onCall = { rotations: { 'db-primary': { members: [ALICE], start: '2026-11-01T00:00:00Z', shift: '30d' } } };
    h = await createHarness(kind, { policy: makePolicy({ onCall }) });
    // demo-db write for an incident by the on-call engineer: medium by score, one tier lower by relief.
    await run(ALICE, '/access demo-db 15m write replication broke INC-42');
    const row = (await h.deps.store.getRequestByNumber(1))!;
    expect(row.factors.map((f) => f.id)).toEqual(expect.arrayContaining(['on-call', 'incident-relief']));
    expect((await replay(makePolicy({ onCall }))).changed).toEqual([]);
    const noRelief = await replay(makePolicy({ onCall, incidents: { onCallRelief: 0 } }));
    expect(noRelief.changed.map((c) => [c.request.ref, c.changes])).toEqual([['KC-1', ['tier', 'approvers', 'auto_approval']]]);
    expect(noRelief.changed[0]?.current).toMatchObject({ tier: row.tier, autoApproved: true });
  });

  it('reports nothing when the candidate is the current policy', async () => {
    h = await createHarness(kind);
    await recordHistory();
    const report = await replay(makePolicy());
    expect(report.changed).toEqual([]);
    expect(report.review.deltaPoints).toBe(0);
  });

  it('leaves requests outside the window out', async () => {
    h = await createHarness(kind);
    await recordHistory();
    h.clock.advance(31 * DAY);
    expect((await replay(candidatePolicy())).total).toBe(0);
  });

  it('computes history as the store does today, and as it stood at each past request', async () => {
    h = await createHarness(kind);
    await recordHistory();
    await run(ALICE, '/access demo-db 15m write look at the lag again INC-42');
    await run(BOB, 'deny KC-5 use the replica');
    await run(ALICE, 'release KC-2');
    await h.deps.store.transaction(async (tx) =>
      tx.appendAudit({ at: h.clock.now(), actor: 'keycard', action: 'anomaly.detected', requestId: null, details: { requester: ALICE } }),
    );
    const rows = await h.deps.store.listRequests({});
    const pastOf = pastsByRequester(rows, await h.deps.store.readAudit({}));
    const windows = { historyWindowMs: 90 * DAY, denialWindowMs: 30 * DAY, velocityWindowMs: 3_600_000 };
    for (const requester of [ALICE, BOB, CAROL]) {
      for (const resource of ['demo-db', 'demo-logs', 'demo-admin']) {
        const query = { requester, resource, now: h.clock.now(), ...windows };
        expect(historyAsOf(pastOf(requester), query)).toEqual(await h.deps.store.history(query));
      }
    }
    // As of KC-2's submission, alice had no grant on demo-db and no denial yet, and KC-2 itself does not count.
    const kc2 = rows.find((r) => r.number === 2)!;
    expect(historyAsOf(pastOf(ALICE), { requester: ALICE, resource: 'demo-db', now: kc2.createdAt, ...windows }, kc2.id)).toEqual({
      cleanGrantsOnResource: 0,
      priorGrantsOnResource: 0,
      recentDenials: 0,
      recentAnomalies: 0,
      requestsInVelocityWindow: 1,
      newResourcesLastDay: 1,
    });
  });
});

describe('replay inputs', () => {
  it('reads on-call rotations back from a recorded factor', () => {
    expect(onCallFromFactors([{ id: 'on-call', points: -5, reason: 'on call (sre-primary, dba)' }])).toEqual(['sre-primary', 'dba']);
    expect(onCallFromFactors([{ id: 'time', points: 0, reason: 'business hours' }])).toEqual([]);
    expect(onCallFromFactors(undefined)).toEqual([]);
  });
});
