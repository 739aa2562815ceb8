import { formatDuration } from '../duration.js';
import type { TierName } from '../policy/schema.js';
import type { LedgerRequest } from './audit-ledger.js';
import { median } from './median.js';

/** A median decision time as reports print it: whole seconds, never "0s" (under a second reads as 1s). */
export function formatDecisionMedian(ms: number): string {
  return formatDuration(Math.max(1000, Math.round(ms / 1000) * 1000));
}

export interface ApproverPattern {
  approver: string;
  decisions: number;
  denials: number;
  /** The requester this approver approved most, and that share of the approver's approvals. */
  topRequester: { email: string; approved: number; share: number } | null;
  /** Median time to approve high/critical-tier requests (ms), null when none. */
  medianHighRiskMs: number | null;
  flags: string[];
}

export interface ApproverPatternOptions {
  since: Date;
  until: Date;
  /** Flag an approver whose approvals go to one requester at or above this share (and at least minPair times). */
  concentration: number;
  /**
   * thresholds.approverMinApprovals: the fewest approvals a pattern is read from, as the approver-concentration and
   * approver-rubber-stamp factors read it: of one requester for concentration, of high-risk requests for speed.
   */
  minPair: number;
  /** Flag a median high-risk approval time at or under this (over at least minPair high-risk approvals). */
  fastMs: number;
  /** Flag "never denies" from this many decisions on. */
  minDecisions: number;
}

const HIGH: readonly TierName[] = ['high', 'critical'];

/**
 * Who approves whom, how fast, and whether they ever say no, over a period of the audit log: the
 * weekly approver report to the security channel. Flags: concentration on one requester, fast
 * approvals of high-risk requests, never-denies.
 */
export function approverPatterns(requests: readonly LedgerRequest[], o: ApproverPatternOptions): ApproverPattern[] {
  const by = new Map<string, { decisions: number; denials: number; pairs: Map<string, number>; approved: number; highMs: number[] }>();
  const entry = (approver: string) => {
    let e = by.get(approver);
    if (!e) {
      e = { decisions: 0, denials: 0, pairs: new Map(), approved: 0, highMs: [] };
      by.set(approver, e);
    }
    return e;
  };
  for (const r of requests) {
    if (!r.decidedAt || r.decidedAt < o.since || r.decidedAt >= o.until) continue;
    if (r.outcome === 'denied' && r.deniedBy) {
      const e = entry(r.deniedBy);
      e.decisions += 1;
      e.denials += 1;
    }
    if (r.outcome !== 'approved') continue;
    for (const approver of r.approvers) {
      const e = entry(approver);
      e.decisions += 1;
      e.approved += 1;
      e.pairs.set(r.requester, (e.pairs.get(r.requester) ?? 0) + 1);
      if (HIGH.includes(r.recorded.tier)) e.highMs.push(r.decidedAt.getTime() - r.createdAt.getTime());
    }
  }
  return [...by.entries()]
    .map(([approver, e]) => {
      let top: ApproverPattern['topRequester'] = null;
      for (const [email, approved] of e.pairs) if (!top || approved > top.approved) top = { email, approved, share: approved / e.approved };
      const medianHighRiskMs = median(e.highMs);
      const flags: string[] = [];
      if (top && top.approved >= o.minPair && top.share >= o.concentration)
        flags.push(`${Math.round(top.share * 100)}% of approvals for ${top.email}`);
      // One quick approval of a high-risk request says nothing about an approver's habit.
      if (medianHighRiskMs !== null && e.highMs.length >= o.minPair && medianHighRiskMs <= o.fastMs)
        flags.push(`approves high-risk requests in a median ${formatDecisionMedian(medianHighRiskMs)} (${e.highMs.length} of them)`);
      if (e.decisions >= o.minDecisions && e.denials === 0) flags.push(`never denied (${e.decisions} decisions)`);
      return { approver, decisions: e.decisions, denials: e.denials, topRequester: top, medianHighRiskMs, flags };
    })
    .sort((a, b) => b.flags.length - a.flags.length || b.decisions - a.decisions);
}
