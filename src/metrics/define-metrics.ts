import { Counter, collectDefaultMetrics, Gauge, Histogram, type Registry } from 'prom-client';

// Buckets follow what each duration looks like in practice: people approve in minutes, revocation
// should land within a second of expiry (DESIGN.md §7) but minutes when Keycard was down, and provider
// calls are network round trips.
const APPROVAL_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400];
const REVOCATION_LAG_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600];
const PROVIDER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the grant gauges show, read from the database at scrape time. */
export interface GrantCounts {
  activeByResource: ReadonlyMap<string, number>;
  revoking: number;
  revokeFailed: number;
  /** Active grants more than a minute past their expiry (the scheduler has fallen behind or is down). */
  overdue: number;
}

/**
 * Every metric Keycard exports besides the default process metrics; docs/operations.md lists them.
 * `grantCounts` is called on scrape; undefined (the database did not answer) leaves the gauges empty
 * rather than showing stale numbers.
 */
export function defineMetrics(register: Registry, grantCounts: () => Promise<GrantCounts | undefined>) {
  const registers = [register];
  return {
    requestsSubmitted: new Counter({
      name: 'keycard_requests_submitted_total',
      help: 'Access requests and extension requests recorded, by resource, risk tier and kind',
      labelNames: ['resource', 'tier', 'kind'] as const,
      registers,
    }),
    requestOutcomes: new Counter({
      name: 'keycard_requests_total',
      help: 'Requests by how they were decided: approved, auto_approved, break_glass, denied, timed_out, cancelled',
      labelNames: ['resource', 'tier', 'outcome'] as const,
      registers,
    }),
    approvalLatency: new Histogram({
      name: 'keycard_approval_latency_seconds',
      help: 'Time from submission to the approval that completed a request (people only; auto-approval and break-glass are not observed)',
      labelNames: ['tier'] as const,
      buckets: APPROVAL_BUCKETS,
      registers,
    }),
    approvalRefusals: new Counter({
      name: 'keycard_approval_refusals_total',
      help: 'Approve/deny attempts refused by the approval rules (self-approval, not an approver, duplicate, …), by refusal code',
      labelNames: ['code'] as const,
      registers,
    }),
    grantEvents: new Counter({
      name: 'keycard_grants_total',
      help: 'Grant lifecycle events by resource, provider and event: activated, failed, extended, expired, revoked',
      labelNames: ['resource', 'provider', 'event'] as const,
      registers,
    }),
    activeGrants: new Gauge({
      name: 'keycard_active_grants',
      help: 'Grants currently active, by resource (read from the database at scrape time)',
      labelNames: ['resource'] as const,
      registers,
      async collect() {
        const counts = await grantCounts();
        this.reset();
        for (const [resource, count] of counts?.activeByResource ?? []) this.set({ resource }, count);
      },
    }),
    unrevokedGrants: new Gauge({
      name: 'keycard_unrevoked_grants',
      help: 'Grants whose access may still be live past their window: revoking, revoke_failed, or active more than 60 s past expiry',
      labelNames: ['state'] as const,
      registers,
      async collect() {
        const counts = await grantCounts();
        this.reset();
        if (!counts) return;
        this.set({ state: 'revoking' }, counts.revoking);
        this.set({ state: 'revoke_failed' }, counts.revokeFailed);
        this.set({ state: 'overdue' }, counts.overdue);
      },
    }),
    revocationLag: new Histogram({
      name: 'keycard_revocation_lag_seconds',
      help: 'Time from a grant expiry to the provider-confirmed revoke being recorded, by provider',
      labelNames: ['provider'] as const,
      buckets: REVOCATION_LAG_BUCKETS,
      registers,
    }),
    revokeFailures: new Counter({
      name: 'keycard_revoke_failures_total',
      help: 'Revoke attempts that failed (or could not be verified), by provider',
      labelNames: ['provider'] as const,
      registers,
    }),
    revokeRetries: new Counter({
      name: 'keycard_revoke_retries_total',
      help: 'Revoke retries scheduled with backoff after a failure, by provider',
      labelNames: ['provider'] as const,
      registers,
    }),
    revokeEscalations: new Counter({
      name: 'keycard_revoke_escalations_total',
      help: 'Grants marked revoke_failed after exhausting retries (humans were alerted), by provider',
      labelNames: ['provider'] as const,
      registers,
    }),
    providerCallDuration: new Histogram({
      name: 'keycard_provider_call_duration_seconds',
      help: 'Provider call latency by provider, operation (grant, revoke, list, extend, terminateSessions, verifyRevoked) and result',
      labelNames: ['provider', 'operation', 'result'] as const,
      buckets: PROVIDER_BUCKETS,
      registers,
    }),
    providerErrors: new Counter({
      name: 'keycard_provider_errors_total',
      help: 'Provider calls that threw, by provider, operation and error code (auth_failed, not_found, rate_limited, unavailable, …)',
      labelNames: ['provider', 'operation', 'code'] as const,
      registers,
    }),
    chatErrors: new Counter({
      name: 'keycard_chat_errors_total',
      help: 'Chat deliveries (cards, thread replies, DMs, alerts) that failed, by platform and operation',
      labelNames: ['platform', 'operation'] as const,
      registers,
    }),
    chatRateLimited: new Counter({
      name: 'keycard_chat_rate_limited_total',
      help: 'Chat deliveries that failed because the platform rate-limited Keycard (HTTP 429), by platform',
      labelNames: ['platform'] as const,
      registers,
    }),
    anomalies: new Counter({
      name: 'keycard_anomalies_total',
      help: 'Anomalies alerted about a grant session, by detector and severity',
      labelNames: ['detector', 'severity'] as const,
      registers,
    }),
    auditEvents: new Counter({
      name: 'keycard_audit_events_total',
      help: 'Audit events committed, by action',
      labelNames: ['action'] as const,
      registers,
    }),
  };
}

export type MetricSet = ReturnType<typeof defineMetrics>;

/** Process metrics (CPU, memory, event loop lag, GC, handles) under their standard names. */
export function addProcessMetrics(register: Registry): void {
  collectDefaultMetrics({ register });
}
