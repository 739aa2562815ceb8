import { describe, expect, it } from 'vitest';
import { approverPatterns, formatDecisionMedian } from '../../src/core/risk/approver-patterns.js';
import type { LedgerRequest } from '../../src/core/risk/audit-ledger.js';

const t0 = new Date('2026-03-02T09:00:00Z').getTime();
function request(
  i: number,
  requester: string,
  approver: string,
  outcome: 'approved' | 'denied',
  tier: 'medium' | 'high',
  waitMs: number,
): LedgerRequest {
  return {
    id: `r${i}`,
    ref: `KC-${i}`,
    requester,
    resource: 'orders-db',
    level: 'write',
    durationMs: 3_600_000,
    reason: 'x',
    incidentKey: null,
    kind: 'access',
    breakGlass: false,
    platform: null,
    onCallVia: [],
    createdAt: new Date(t0 + i * 3_600_000),
    recorded: { score: 60, tier, factors: [] },
    history: {
      cleanGrantsOnResource: 0,
      priorGrantsOnResource: 0,
      recentDenials: 0,
      recentAnomalies: 0,
      requestsInVelocityWindow: 0,
      newResourcesLastDay: 0,
    },
    outcome,
    decidedAt: new Date(t0 + i * 3_600_000 + waitMs),
    approvers: outcome === 'approved' ? [approver] : [],
    deniedBy: outcome === 'denied' ? approver : null,
    activatedAt: null,
    endedAt: null,
    endReason: null,
    endedBy: null,
    failed: false,
    anomalies: [],
  };
}
const options = {
  since: new Date(t0),
  until: new Date(t0 + 30 * 86_400_000),
  concentration: 0.6,
  minPair: 3,
  fastMs: 120_000,
  minDecisions: 5,
};

describe('approver patterns (weekly report)', () => {
  it('flags concentration, fast high-risk approvals and never-denies together', () => {
    const requests = [0, 1, 2, 3, 4].map((i) => request(i, 'mallory@example.com', 'eve@example.com', 'approved', 'high', 40_000));
    const [eve] = approverPatterns(requests, options);
    expect(eve!.approver).toBe('eve@example.com');
    expect(eve!.flags).toHaveLength(3);
    expect(eve!.topRequester).toEqual({ email: 'mallory@example.com', approved: 5, share: 1 });
    expect(eve!.flags).toContain('approves high-risk requests in a median 40s (5 of them)');
  });

  it('prints a sub-second median as 1s, never 0s, the same way in the flag and the report line', () => {
    const requests = [0, 1, 2, 3, 4].map((i) => request(i, `p${i}@example.com`, 'eve@example.com', 'approved', 'high', 300));
    const [eve] = approverPatterns(requests, options);
    expect(eve!.flags).toContain('approves high-risk requests in a median 1s (5 of them)');
    expect(formatDecisionMedian(eve!.medianHighRiskMs!)).toBe('1s');
  });

  it('does not flag a careful approver: spread over requesters, slow on high risk, denies sometimes', () => {
    const requests = [0, 1, 2, 3, 4, 5].map((i) =>
      request(i, `p${i}@example.com`, 'carol@example.com', i === 5 ? 'denied' : 'approved', 'high', 20 * 60_000),
    );
    const [carol] = approverPatterns(requests, options);
    expect(carol!.flags).toEqual([]);
    expect(carol!.denials).toBe(1);
  });

  it('judges speed only from minPair (approverMinApprovals) high-risk approvals, as the risk factor does', () => {
    const fast = (n: number) =>
      Array.from({ length: n }, (_, i) => request(i, `p${i}@example.com`, 'eve@example.com', 'approved', 'high', 1_000));
    // One or two quick approvals are no habit: no flag (the acceptance tester saw "a median 1s" after a single one).
    for (const n of [1, 2]) expect(approverPatterns(fast(n), options)[0]!.flags, `${n}`).toEqual([]);
    expect(approverPatterns(fast(3), options)[0]!.flags).toEqual(['approves high-risk requests in a median 1s (3 of them)']);
    // Medium-tier approvals do not count toward the minimum.
    const mixed = [...fast(2), request(9, 'q@example.com', 'eve@example.com', 'approved', 'medium', 1_000)];
    expect(approverPatterns(mixed, options)[0]!.flags).toEqual([]);
  });

  it('flags never-denies from minDecisions decisions on, and not before', () => {
    const slow = (n: number) =>
      Array.from({ length: n }, (_, i) => request(i, `p${i}@example.com`, 'dan@example.com', 'approved', 'medium', 20 * 60_000));
    expect(approverPatterns(slow(4), options)[0]!.flags).toEqual([]);
    expect(approverPatterns(slow(5), options)[0]!.flags).toEqual(['never denied (5 decisions)']);
  });
});
