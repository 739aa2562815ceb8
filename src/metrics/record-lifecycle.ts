import type { AccessRequest, AuditInput } from '../core/types.js';
import type { MetricSet } from './define-metrics.js';

/** How a request was decided, keyed by the audit action that records it. */
const OUTCOMES: Readonly<Record<string, string>> = {
  'request.approved': 'approved',
  'request.auto_approved': 'auto_approved',
  'request.break_glass': 'break_glass',
  'request.denied': 'denied',
  'request.timed_out': 'timed_out',
  'request.cancelled': 'cancelled',
};

const GRANT_EVENTS: Readonly<Record<string, string>> = {
  'grant.activated': 'activated',
  'grant.failed': 'failed',
  'grant.extended': 'extended',
  'grant.expired': 'expired',
  'grant.revoked': 'revoked',
};

const UNKNOWN = 'unknown';

/** Label values come from audit details; anything unexpected collapses to one value so series stay bounded. */
function label(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(value) ? value : UNKNOWN;
}

function seconds(from: Date | null | undefined, to: Date): number | undefined {
  if (!from) return undefined;
  return Math.max(0, (to.getTime() - from.getTime()) / 1000);
}

/**
 * Turns one committed audit event into metric updates. `request` is the row as the same transaction
 * last saw it (the decorator in instrument-store.ts collects it), so labels need no extra query.
 */
export function recordLifecycle(metrics: MetricSet, event: AuditInput, request: AccessRequest | undefined): void {
  const { action, details } = event;
  metrics.auditEvents.inc({ action: label(action) });
  const resource = label(details.resource ?? request?.resource);
  const tier = label(details.tier ?? request?.tier);
  const provider = label(details.provider ?? request?.provider);

  if (action === 'request.submitted' || action === 'extension.submitted') {
    metrics.requestsSubmitted.inc({ resource, tier, kind: action === 'extension.submitted' ? 'extension' : 'access' });
    return;
  }
  const outcome = OUTCOMES[action];
  if (outcome !== undefined) {
    metrics.requestOutcomes.inc({ resource, tier, outcome });
    const waited = action === 'request.approved' ? seconds(request?.createdAt, event.at) : undefined;
    if (waited !== undefined) metrics.approvalLatency.observe({ tier }, waited);
    return;
  }
  const grantEvent = GRANT_EVENTS[action];
  if (grantEvent !== undefined) {
    metrics.grantEvents.inc({ resource, provider, event: grantEvent });
    // Lag is measured for grants that ran out, not for early releases (those end before expiry by design).
    const lag = action === 'grant.expired' ? seconds(request?.expiresAt, event.at) : undefined;
    if (lag !== undefined) metrics.revocationLag.observe({ provider }, lag);
    return;
  }
  switch (action) {
    case 'grant.revoke_retry_scheduled':
      metrics.revokeFailures.inc({ provider });
      metrics.revokeRetries.inc({ provider });
      return;
    case 'grant.revoke_failed':
      metrics.revokeFailures.inc({ provider });
      metrics.revokeEscalations.inc({ provider });
      return;
    case 'approval.refused':
      metrics.approvalRefusals.inc({ code: label(details.code) });
      return;
    case 'anomaly.detected':
      metrics.anomalies.inc({ detector: label(details.detector), severity: label(details.severity) });
      return;
    default:
      return;
  }
}
