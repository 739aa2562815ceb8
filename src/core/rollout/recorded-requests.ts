import { createApproverRecords } from '../risk/approver-records.js';
import { onCallFromFactors, responderFromFactors } from '../risk/habit-factors.js';
import { normaliseReason } from '../risk/habits.js';
import { createReasonPeers } from '../risk/reason-peers.js';
import { ownZoneFromFactors } from '../risk/requester-zone.js';
import type { AccessRequest, ApproverRecord, ApproverRecordQuery, AuditEvent, ReasonPeersQuery, RiskFactor } from '../types.js';
import type { RequesterPast } from './history-as-of.js';
import type { RecordedRequest } from './judge-request.js';

const SUBMITTED = new Set(['request.submitted', 'extension.submitted']);

/**
 * The requests made in [since, until], as they were asked. The audit log's `*.submitted` events are the
 * tamper-evident record of each ask; the requests table gives the same facts plus the requester and
 * kind. Both are read so a request survives in the replay when only one of them still has it.
 */
export function recordedRequests(
  rows: readonly AccessRequest[],
  events: readonly AuditEvent[],
  since: Date,
  until: Date,
): RecordedRequest[] {
  const inWindow = (at: Date) => at.getTime() >= since.getTime() && at.getTime() <= until.getTime();
  const byId = new Map<string, RecordedRequest>();
  for (const row of rows) {
    if (!inWindow(row.createdAt)) continue;
    byId.set(row.id, {
      id: row.id,
      ref: `KC-${row.number}`,
      kind: row.kind,
      requester: row.requester,
      resource: row.resource,
      level: row.level,
      durationMs: row.durationMs,
      reason: row.reason,
      incidentKey: row.incidentKey,
      breakGlass: row.breakGlass,
      createdAt: row.createdAt,
      onCallVia: onCallFromFactors(row.factors),
      incidentResponder: responderFromFactors(row.factors ?? []),
      ownZone: ownZoneFromFactors(row.factors ?? []),
    });
  }
  for (const event of events) {
    if (!SUBMITTED.has(event.action) || event.requestId === null || byId.has(event.requestId) || !inWindow(event.at)) continue;
    const fromEvent = fromAudit(event);
    if (fromEvent) byId.set(event.requestId, fromEvent);
  }
  return [...byId.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.ref.localeCompare(b.ref));
}

function fromAudit(event: AuditEvent): RecordedRequest | undefined {
  const d = event.details;
  const text = (key: string) => (typeof d[key] === 'string' ? (d[key] as string) : undefined);
  const resource = text('resource');
  const level = text('level');
  const ref = text('ref');
  if (event.requestId === null || !resource || !level || !ref || typeof d.durationMs !== 'number') return undefined;
  const factors = Array.isArray(d.factors) ? d.factors.filter(isFactor) : undefined;
  return {
    id: event.requestId,
    ref,
    kind: event.action === 'extension.submitted' ? 'extension' : 'access',
    requester: event.actor,
    resource,
    level,
    durationMs: d.durationMs,
    reason: text('reason') ?? '',
    incidentKey: text('incidentKey') ?? null,
    breakGlass: d.breakGlass === true,
    createdAt: event.at,
    onCallVia: onCallFromFactors(factors),
    incidentResponder: responderFromFactors(factors ?? []),
    ownZone: ownZoneFromFactors(factors ?? []),
  };
}

/** Each requester's recorded past (every request, and the anomalies detected on their grants), for history as of a time. */
export function pastsByRequester(rows: readonly AccessRequest[], events: readonly AuditEvent[]): (requester: string) => RequesterPast {
  const requests = new Map<string, AccessRequest[]>();
  for (const row of rows) {
    const list = requests.get(row.requester);
    if (list) list.push(row);
    else requests.set(row.requester, [row]);
  }
  const anomalies = new Map<string, Date[]>();
  // The last approval of each request (events come in chain order), as the store's habit records read it.
  const approvers = new Map<string, string>();
  for (const event of events) {
    if (event.action === 'approval.recorded' && event.requestId) approvers.set(event.requestId, event.actor);
    const requester = event.details.requester;
    if (event.action !== 'anomaly.detected' || typeof requester !== 'string') continue;
    const list = anomalies.get(requester);
    if (list) list.push(event.at);
    else anomalies.set(requester, [event.at]);
  }
  return (requester) => ({ requests: requests.get(requester) ?? [], anomalies: anomalies.get(requester) ?? [], approvers });
}

/** What each approver decided, from the audit log's approvals and denials: `Store.approverRecord` for a replay. */
export function approverRecordsOver(
  rows: readonly AccessRequest[],
  events: readonly AuditEvent[],
): (query: ApproverRecordQuery) => ApproverRecord {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const records = createApproverRecords();
  for (const event of events) {
    if (event.action !== 'approval.recorded' && event.action !== 'request.denied') continue;
    const request = event.requestId ? byId.get(event.requestId) : undefined;
    if (!request) continue;
    records.add({
      approver: event.actor,
      at: event.at.getTime(),
      denied: event.action === 'request.denied',
      tier: request.tier,
      submittedAt: request.createdAt.getTime(),
    });
  }
  return (q) => records.record(q.approver, q.now.getTime() - q.windowMs, q.now.getTime());
}

/** Who else gave a reason, over every recorded access request: `Store.reasonPeers` for a replay. */
export function reasonPeersOver(rows: readonly AccessRequest[]): (query: ReasonPeersQuery) => number {
  const peers = createReasonPeers();
  // Oldest first, so each use is appended (rows come in any order).
  const access = rows.filter((row) => row.kind === 'access').sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  for (const row of access) peers.add(normaliseReason(row.reason), row.requester, row.createdAt.getTime());
  return (q) => peers.count(normaliseReason(q.reason), q.requester, q.now.getTime() - q.windowMs, q.now.getTime());
}

function isFactor(value: unknown): value is RiskFactor {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RiskFactor).id === 'string' &&
    typeof (value as RiskFactor).reason === 'string'
  );
}
