import { hadBadOutcome, type LedgerRequest, revokedForCause } from './audit-ledger.js';
import { median } from './median.js';

/** What happened to a set of requests, as the audit log records it. */
export interface OutcomeCounts {
  requests: number;
  autoApproved: number;
  breakGlass: number;
  /** Requests whose tier sent them to a human (decided, timed out, cancelled or still pending). */
  humanRouted: number;
  approved: number;
  denied: number;
  timedOut: number;
  grants: number;
  /** Grants during which at least one anomaly alert fired. */
  grantsWithAnomaly: number;
  revokedForCause: number;
  /** Denied, anomaly during the grant, or revoked for cause. */
  badOutcomes: number;
  /** Median time from request to a human decision; null without any. */
  medianWaitMs: number | null;
}

export function countOutcomes(requests: readonly LedgerRequest[]): OutcomeCounts {
  const waits: number[] = [];
  const counts: OutcomeCounts = {
    requests: requests.length,
    autoApproved: 0,
    breakGlass: 0,
    humanRouted: 0,
    approved: 0,
    denied: 0,
    timedOut: 0,
    grants: 0,
    grantsWithAnomaly: 0,
    revokedForCause: 0,
    badOutcomes: 0,
    medianWaitMs: null,
  };
  for (const r of requests) {
    if (r.outcome === 'auto_approved') counts.autoApproved += 1;
    else if (r.outcome === 'break_glass') counts.breakGlass += 1;
    else counts.humanRouted += 1;
    if (r.outcome === 'approved') counts.approved += 1;
    if (r.outcome === 'denied') counts.denied += 1;
    if (r.outcome === 'timed_out') counts.timedOut += 1;
    if ((r.outcome === 'approved' || r.outcome === 'denied') && r.decidedAt) waits.push(r.decidedAt.getTime() - r.createdAt.getTime());
    if (r.activatedAt) {
      counts.grants += 1;
      if (r.anomalies.length > 0) counts.grantsWithAnomaly += 1;
    }
    if (revokedForCause(r)) counts.revokedForCause += 1;
    if (hadBadOutcome(r)) counts.badOutcomes += 1;
  }
  counts.medianWaitMs = median(waits);
  return counts;
}

/** part ÷ whole, 0 when the whole is empty. */
export function rate(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}
