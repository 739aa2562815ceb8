import { type SQL, sql } from 'drizzle-orm';
import { KeycardError } from '../core/result.js';
import type { HistoryChanges, HistorySnapshotData, SnapshotRequest } from '../core/risk/history-snapshot.js';
import { runNamed } from './compiled-sql.js';
import type { Database } from './database.js';

/**
 * At most this many changed requests (and anomalies) per feed read: after a bulk change (an import, a mass
 * revoke) the cache is dropped and requesters are read again when next scored, rather than shipping and
 * applying the whole table.
 */
export const MAX_CHANGES = 5_000;

/** The columns a snapshot holds of a request (times as epoch milliseconds), as one JSON object per row. */
const requestJson = sql`json_build_object(
  'id', r.id, 'requester', r.requester, 'kind', r.kind, 'createdAt', extract(epoch from r.created_at) * 1000,
  'resource', r.resource, 'level', r.level, 'durationMs', r.duration_ms, 'reason', r.reason, 'incidentKey', r.incident_key,
  'activatedAt', extract(epoch from r.activated_at) * 1000, 'status', r.status, 'endReason', r.end_reason,
  'endedAt', extract(epoch from r.ended_at) * 1000,
  'approvalsRequired', r.approvals_required, 'breakGlass', r.break_glass, 'decidedAt', extract(epoch from r.decided_at) * 1000,
  'approver', (select a.approver from approvals a where a.request_id = r.id and a.decision = 'approve'
    order by a.created_at desc limit 1))`;

function iso(ms: number): SQL {
  return sql`${new Date(ms).toISOString()}::timestamptz`;
}

function list(value: unknown, column: string): Record<string, unknown>[] {
  if (value === null || value === undefined) return [];
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!Array.isArray(parsed)) throw new KeycardError('store_driver_result', `column ${column} is not a JSON array`);
  return parsed as Record<string, unknown>[];
}

const num = (v: unknown): number => Number(v);
const optNum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const optText = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function toRequest(row: Record<string, unknown>): SnapshotRequest & { requester: string } {
  return {
    id: String(row.id),
    requester: String(row.requester),
    kind: String(row.kind),
    createdAt: num(row.createdAt),
    resource: String(row.resource),
    level: String(row.level),
    durationMs: num(row.durationMs),
    reason: String(row.reason ?? ''),
    incidentKey: optText(row.incidentKey),
    activatedAt: optNum(row.activatedAt),
    status: String(row.status),
    endReason: optText(row.endReason),
    endedAt: optNum(row.endedAt),
    approvalsRequired: num(row.approvalsRequired),
    breakGlass: row.breakGlass === true,
    decidedAt: optNum(row.decidedAt),
    approver: optText(row.approver),
  };
}

/**
 * One round trip: the requester's requests created since `from` (each with its latest approver), per
 * resource what came before (activated access grants, first activation), and their anomalies since
 * `from`. Every part starts from the requester's indexes, as `readHistory` does.
 */
export async function loadHistorySnapshot(db: Database, requester: string, from: number): Promise<HistorySnapshotData> {
  const since = iso(from);
  const [row] = await runNamed(
    db,
    sql`select
      (select json_agg(${requestJson}) from access_requests r
        where r.requester = ${requester} and r.created_at >= ${since}) as requests,
      (select json_agg(json_build_object('resource', e.resource, 'accessActivated', e.access_activated,
          'lastAccessActivatedAt', extract(epoch from e.last_access_activated) * 1000,
          'firstActivatedAt', extract(epoch from e.first_activated) * 1000))
        from (select resource, count(*) filter (where kind = 'access' and activated_at is not null)::int as access_activated,
                max(activated_at) filter (where kind = 'access') as last_access_activated, min(activated_at) as first_activated
              from access_requests where requester = ${requester} and created_at < ${since} group by resource) e) as earlier,
      (select json_agg(json_build_object('id', id::text, 'at', extract(epoch from at) * 1000, 'requestId', request_id)) from audit_events
        where action = 'anomaly.detected' and (details->>'requester') = ${requester} and at >= ${since}) as anomalies`,
  );
  return {
    requester,
    from,
    requests: list(row?.requests, 'requests').map(toRequest),
    earlier: list(row?.earlier, 'earlier').map((e) => ({
      resource: String(e.resource),
      accessActivated: num(e.accessActivated),
      lastAccessActivatedAt: optNum(e.lastAccessActivatedAt),
      firstActivatedAt: optNum(e.firstActivatedAt),
    })),
    anomalies: list(row?.anomalies, 'anomalies').map((a) => ({ id: String(a.id), at: num(a.at), requestId: optText(a.requestId) })),
  };
}

/**
 * Everyone's requests updated (or approved) at or after `since`, and anomalies recorded since then, in
 * one round trip: what the scoring cache applies to the snapshots it holds. The updated_at and
 * approvals' created_at indexes (migration 0005) keep it to the rows that changed.
 */
export async function readHistoryChanges(db: Database, since: Date): Promise<HistoryChanges> {
  const at = iso(since.getTime());
  // One more than the bound, to tell a full batch from a complete one.
  const [row] = await runNamed(
    db,
    sql`select
      (select json_agg(${requestJson}) from (select * from access_requests
        where updated_at >= ${at} or id in (select request_id from approvals where created_at >= ${at})
        limit ${MAX_CHANGES + 1}) r) as requests,
      (select json_agg(json_build_object('id', id::text, 'requester', details->>'requester', 'at', extract(epoch from at) * 1000,
          'requestId', request_id))
        from (select * from audit_events where at >= ${at} and action = 'anomaly.detected' limit ${MAX_CHANGES + 1}) e) as anomalies`,
  );
  const requests = list(row?.requests, 'requests');
  const anomalies = list(row?.anomalies, 'anomalies');
  return {
    complete: requests.length <= MAX_CHANGES && anomalies.length <= MAX_CHANGES,
    requests: requests.slice(0, MAX_CHANGES).map(toRequest),
    anomalies: anomalies
      .slice(0, MAX_CHANGES)
      .filter((a) => typeof a.requester === 'string')
      .map((a) => ({ id: String(a.id), requester: String(a.requester), at: num(a.at), requestId: optText(a.requestId) })),
  };
}
