import { normaliseReason, type PastRequest, ticketsIn } from '../risk/habits.js';
import type { AccessRequest, HistoryQuery, RequesterHistory } from '../types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Everything Keycard recorded about one requester that the risk engine's history reads. */
export interface RequesterPast {
  /** All their requests, any resource and status. */
  requests: readonly AccessRequest[];
  /** When anomalies were detected on their grants. */
  anomalies: readonly Date[];
  /** Who last approved each of their requests (request id → approver), from the audit log's approvals. */
  approvers: ReadonlyMap<string, string>;
}

/**
 * The requester's history as it stood at `query.now`, for replaying a past request. Same counts and
 * windows as the store's history query (src/store/history.ts), with one difference the store does not
 * need: nothing that happened after `now` counts (a grant that ended later was not yet clean; a denial
 * decided later was not yet a denial), because rows carry their current status, not the one they had.
 * `self` (the request being replayed) is left out, as it was not yet recorded when it was scored.
 */
export function historyAsOf(past: RequesterPast, query: HistoryQuery, self?: string): RequesterHistory {
  const now = query.now.getTime();
  const before = (at: Date | null) => at !== null && at.getTime() <= now;
  const within = (at: Date, windowMs: number) => at.getTime() >= now - windowMs && at.getTime() <= now;
  const earlier = past.requests.filter((r) => r.id !== self && r.createdAt.getTime() <= now);
  const onResource = earlier.filter((r) => r.resource === query.resource && r.kind === 'access');

  const cleanGrantsOnResource = onResource.filter(
    (r) =>
      before(r.activatedAt) &&
      within(r.createdAt, query.historyWindowMs) &&
      (r.status === 'expired' || r.status === 'revoked') &&
      (r.endReason === 'expired' || r.endReason === 'released') &&
      before(r.endedAt),
  ).length;
  const priorGrantsOnResource = onResource.filter((r) => before(r.activatedAt)).length;
  const recentDenials = earlier.filter(
    (r) => r.status === 'denied' && before(r.decidedAt) && within(r.createdAt, query.denialWindowMs),
  ).length;
  const recentAnomalies = past.anomalies.filter((at) => within(at, query.historyWindowMs)).length;
  const requestsInVelocityWindow = earlier.filter((r) => r.kind === 'access' && within(r.createdAt, query.velocityWindowMs)).length;

  const dayStart = now - DAY_MS;
  const grantedBeforeDay = new Set(
    earlier.filter((r) => r.activatedAt !== null && r.activatedAt.getTime() < dayStart).map((r) => r.resource),
  );
  const newResourcesLastDay = new Set(
    earlier.filter((r) => within(r.createdAt, DAY_MS) && !grantedBeforeDay.has(r.resource)).map((r) => r.resource),
  ).size;

  return {
    cleanGrantsOnResource,
    priorGrantsOnResource,
    recentDenials,
    recentAnomalies,
    requestsInVelocityWindow,
    newResourcesLastDay,
  };
}

/**
 * The requester's earlier access requests as the habit factors saw them at `now` (the same records the
 * store's habitRecords query gives live scoring): within `windowMs` before `now`, newest first, granted only
 * when activated by then, and approved by whom once decided by then (the last approval, as the store reads it).
 * Anomaly times are not linked to requests here, so each counts for the grants active when it fired.
 */
export function habitRecordsAsOf(past: RequesterPast, now: Date, windowMs: number, ticketPattern: string, self?: string): PastRequest[] {
  const from = now.getTime() - windowMs;
  return past.requests
    .filter((r) => r.id !== self && r.kind === 'access' && r.createdAt.getTime() >= from && r.createdAt <= now)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
    .slice(0, 500)
    .map((r) => {
      const granted = r.activatedAt !== null && r.activatedAt <= now;
      const activeUntil = Math.min(now.getTime(), (r.endedAt ?? now).getTime());
      const anomalies = granted
        ? past.anomalies.filter((a) => a.getTime() >= r.activatedAt!.getTime() && a.getTime() <= activeUntil).length
        : 0;
      const approver = r.decidedAt !== null && r.decidedAt <= now ? (past.approvers.get(r.id) ?? null) : null;
      return {
        at: r.createdAt.getTime(),
        resource: r.resource,
        level: r.level,
        durationMs: r.durationMs,
        reasonKey: normaliseReason(r.reason),
        tickets: ticketsIn(r.reason, ticketPattern, r.incidentKey),
        granted,
        autoApproved: r.decidedAt !== null && r.decidedAt <= now && r.approvalsRequired === 0 && !r.breakGlass,
        approver,
        decisionMs: approver !== null && r.decidedAt !== null ? r.decidedAt.getTime() - r.createdAt.getTime() : null,
        anomalies,
      };
    });
}
