import { expect } from 'vitest';
import type { Policy } from '../../src/core/policy/schema.js';
import { assessRisk } from '../../src/core/risk/assess.js';
import { replayAudit } from '../../src/core/risk/audit-ledger.js';
import { riskInputFor } from '../../src/core/risk/risk-features.js';
import { judgeRequest } from '../../src/core/rollout/judge-request.js';
import { approverRecordsOver, pastsByRequester, reasonPeersOver, recordedRequests } from '../../src/core/rollout/recorded-requests.js';
import type { Harness } from './harness.js';

/**
 * Every request the harness recorded is scored again the same way by policy replay (from the request rows
 * and the audit log) and by the audit replay that calibrate and evaluate use (from the log alone): the same
 * score and tier, and the same `factorId` factor as submission recorded.
 */
export async function expectReplaysReproduce(h: Harness, policy: Policy, factorId: string): Promise<void> {
  const rows = await h.deps.store.listRequests({});
  const events = await h.deps.store.readAudit({});
  const factorOf = (factors: readonly { id: string }[]) => factors.find((f) => f.id === factorId);
  const pastOf = pastsByRequester(rows, events);
  const org = { reasonPeers: reasonPeersOver(rows), approverRecord: approverRecordsOver(rows, events) };
  for (const request of recordedRequests(rows, events, new Date(0), h.clock.now())) {
    const row = rows.find((r) => `KC-${r.number}` === request.ref)!;
    expect(judgeRequest(policy, request, pastOf(request.requester), org)).toMatchObject({ score: row.score, tier: row.tier });
  }
  const t = policy.risk.thresholds;
  const ledger = replayAudit(
    events,
    { historyWindowMs: t.historyWindow, denialWindowMs: t.denialWindow, velocityWindowMs: t.velocityWindow },
    { policy },
  );
  for (const request of ledger.requests()) {
    const row = rows.find((r) => r.id === request.id)!;
    const replayed = assessRisk(policy, riskInputFor(policy, request)!);
    expect(replayed.score).toBe(row.score);
    expect(factorOf(replayed.factors)).toEqual(factorOf(row.factors));
  }
}
