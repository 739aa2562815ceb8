import type { ApproverRecord } from '../types.js';
import { insertSortedBy, lowerBound } from './history-tracker.js';
import { median } from './median.js';

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
      insertSortedBy(list, { at, denied, highMs: !denied && HIGH_RISK.has(tier) ? at - submittedAt : null }, (e) => e.at);
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
      const middle = median(high);
      // Whole milliseconds, as the store returns it.
      return { decisions, denials, highRiskApprovals: high.length, highRiskMedianMs: middle === null ? null : Math.round(middle) };
    },
  };
}
