import type { TierName } from '../policy/schema.js';
import type { RiskFactor } from '../types.js';
import { cardFactors } from '../views/card-factors.js';
import { type LedgerAnomaly, type LedgerOutcome, type LedgerRequest, revokedForCause } from './audit-ledger.js';

export interface IncidentGrant {
  ref: string;
  requestId: string;
  requester: string;
  resource: string;
  level: string;
  durationMs: number;
  reason: string;
  requestedAt: Date;
  score: number;
  tier: TierName;
  /**
   * What the approval card showed: the factors that moved the score, largest first, then the zero-point routing
   * notes (incident relief, an unverified or unknown incident key, the auto-approve cap, a leaver's handover).
   */
  factors: RiskFactor[];
  outcome: LedgerOutcome;
  /** Who approved it; empty when it was auto-approved or never approved. */
  approvers: string[];
  deniedBy: string | null;
  activatedAt: Date | null;
  endedAt: Date | null;
  endReason: string | null;
  endedBy: string | null;
  revokedForCause: boolean;
  anomalies: LedgerAnomaly[];
}

export interface IncidentReview {
  incidentKey: string;
  grants: IncidentGrant[];
  summary: {
    requests: number;
    granted: number;
    autoApproved: number;
    humanApproved: number;
    denied: number;
    anomalies: number;
    revokedForCause: number;
  };
}

/**
 * Everything Keycard did for one incident, for the post-incident review: each request linked to
 * the incident key, the score and factors it was routed by, who approved it, and which anomaly
 * alerts fired while it was active. Answers "did the risk score do its job here?".
 */
export function reviewIncident(requests: readonly LedgerRequest[], incidentKey: string): IncidentReview {
  const key = incidentKey.trim().toUpperCase();
  const grants = requests
    .filter((r) => r.incidentKey?.toUpperCase() === key)
    .map(
      (r): IncidentGrant => ({
        ref: r.ref,
        requestId: r.id,
        requester: r.requester,
        resource: r.resource,
        level: r.level,
        durationMs: r.durationMs,
        reason: r.reason,
        requestedAt: r.createdAt,
        score: r.recorded.score,
        tier: r.recorded.tier,
        factors: cardFactors(r.recorded.factors),
        outcome: r.outcome,
        approvers: r.outcome === 'approved' ? r.approvers : [],
        deniedBy: r.deniedBy,
        activatedAt: r.activatedAt,
        endedAt: r.endedAt,
        endReason: r.endReason,
        endedBy: r.endedBy,
        revokedForCause: revokedForCause(r),
        anomalies: r.anomalies,
      }),
    );
  return {
    incidentKey: key,
    grants,
    summary: {
      requests: grants.length,
      granted: grants.filter((g) => g.activatedAt !== null).length,
      autoApproved: grants.filter((g) => g.outcome === 'auto_approved').length,
      humanApproved: grants.filter((g) => g.outcome === 'approved').length,
      denied: grants.filter((g) => g.outcome === 'denied').length,
      anomalies: grants.reduce((sum, g) => sum + g.anomalies.length, 0),
      revokedForCause: grants.filter((g) => g.revokedForCause).length,
    },
  };
}
