import { sql } from 'drizzle-orm';
import { normaliseReason, type PastRequest, ticketsIn } from '../core/risk/habits.js';
import type { HabitQuery } from '../core/types.js';
import { runNamed } from './compiled-sql.js';
import type { Database } from './database.js';

const MAX_RECORDS = 500;

function ms(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const t = value instanceof Date ? value.getTime() : new Date(String(value)).getTime();
  return Number.isFinite(t) ? t : null;
}

/**
 * The requester's own access requests in the window, newest first (at most 500), with who approved
 * each: the records computeHabits judges a new request against. One indexed query on
 * (requester, created_at); the approver comes from the approvals primary/unique index, and the anomaly
 * alerts on each request (linked by request_id) from one scan of the requester's alerts in the window
 * through the partial anomaly index (requester, at), the one store.history() counts them with.
 */
export async function readHabitRecords(db: Database, q: HabitQuery): Promise<PastRequest[]> {
  const since = new Date(q.now.getTime() - q.windowMs).toISOString();
  const rows = await runNamed(
    db,
    sql`select r.created_at, r.resource, r.level, r.duration_ms, r.reason, r.incident_key, r.activated_at,
        r.approvals_required, r.break_glass, r.decided_at,
        (select a.approver from approvals a where a.request_id = r.id and a.decision = 'approve'
          order by a.created_at desc limit 1) as approver,
        coalesce(an.alerts, 0) as anomalies
      from access_requests r
      left join (
        select e.request_id, count(*) as alerts from audit_events e
        where e.action = 'anomaly.detected' and (e.details->>'requester') = ${q.requester}
          and e.at >= ${since}::timestamptz and e.at < ${q.now.toISOString()}::timestamptz
        group by e.request_id
      ) an on an.request_id = r.id
      where r.requester = ${q.requester} and r.kind = 'access'
        and r.created_at >= ${since}::timestamptz
        and r.created_at <= ${q.now.toISOString()}::timestamptz
      order by r.created_at desc
      limit ${MAX_RECORDS}`,
  );
  return rows.map((row) => {
    const at = ms(row.created_at) ?? 0;
    const decided = ms(row.decided_at);
    const approver = typeof row.approver === 'string' ? row.approver : null;
    const reason = typeof row.reason === 'string' ? row.reason : '';
    const incidentKey = typeof row.incident_key === 'string' ? row.incident_key : null;
    const granted = ms(row.activated_at) !== null;
    return {
      at,
      resource: String(row.resource),
      level: String(row.level),
      durationMs: Number(row.duration_ms),
      reasonKey: normaliseReason(reason),
      tickets: ticketsIn(reason, q.ticketPattern, incidentKey),
      granted,
      // Approved by policy when submitted, whether or not the grant is active yet (as the audit replay counts it).
      autoApproved: decided !== null && Number(row.approvals_required) === 0 && row.break_glass !== true,
      approver,
      decisionMs: approver !== null && decided !== null ? decided - at : null,
      anomalies: Number(row.anomalies ?? 0),
    };
  });
}
