import type { ApproverRecord } from '../types.js';
import { lowerBound } from './history-tracker.js';

const HIGH_RISK = new Set(['high', 'critical']);

/**
 * An approver's record is read from their most recent decisions in the window, at most this many: enough to
 * judge "never denies" and their high-risk speed, and it bounds the look-up for someone who decides all day.
 */
export const APPROVER_RECORD_DECISIONS = 200;

/**
 * Every approver's decisions, for the audit replay: what `Store.approverRecord` answers, computed from the
 * approvals and denials fed in so far (in chain order).
 */
export interface ApproverRecords {
  /** An approval or denial `approver` recorded at `at` on a request of `tier` submitted at `submittedAt`. */
  add(decision: { approver: string; at: number; denied: boolean; tier: string; submittedAt: number }): void;
  /** What they decided at or after `since` and before `until`: their latest APPROVER_RECORD_DECISIONS decisions there. */
  record(approver: string, since: number, until: number): ApproverRecord;
}

export function createApproverRecords(): ApproverRecords {
  // Per approver, ascending by decision time (events arrive in order).
  const byApprover = new Map<string, Array<{ at: number; denied: boolean; highMs: number | null }>>();
  return {
    add({ approver, at, denied, tier, submittedAt }) {
      const key = approver.toLowerCase();
      const list = byApprover.get(key) ?? [];
      const entry = { at, denied, highMs: !denied && HIGH_RISK.has(tier) ? at - submittedAt : null };
      let i = list.length;
      while (i > 0 && list[i - 1]!.at > at) i -= 1;
      list.splice(i, 0, entry);
      byApprover.set(key, list);
    },
    record(approver, since, until) {
      let decisions = 0;
      let denials = 0;
      const high: number[] = [];
      const list = byApprover.get(approver.toLowerCase()) ?? [];
      for (let i = lowerBound(list, until, (e) => e.at) - 1; i >= 0 && decisions < APPROVER_RECORD_DECISIONS; i -= 1) {
        const e = list[i]!;
        if (e.at < since) break;
        decisions += 1;
        if (e.denied) denials += 1;
        if (e.highMs !== null) high.push(e.highMs);
      }
      const median = medianOf(high);
      // Whole milliseconds, as the store returns it.
      return { decisions, denials, highRiskApprovals: high.length, highRiskMedianMs: median === null ? null : Math.round(median) };
    },
  };
}

/** The middle value (the mean of the two middle ones for an even count), as Postgres' percentile_cont(0.5). */
export function medianOf(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
