import { sql } from 'drizzle-orm';
import type { ApproverRecord, ApproverRecordQuery } from '../core/types.js';
import { runNamed } from './compiled-sql.js';
import type { Database } from './database.js';

/**
 * What an approver decided in the window: one pass over their approvals rows through
 * `approvals_approver_created_idx` (migration 0009), joined to each request for its tier and submission time.
 */
export async function readApproverRecord(db: Database, q: ApproverRecordQuery): Promise<ApproverRecord> {
  const since = new Date(q.now.getTime() - q.windowMs).toISOString();
  const rows = await runNamed(
    db,
    sql`select count(*) as decisions,
        count(*) filter (where a.decision = 'deny') as denials,
        count(*) filter (where a.decision = 'approve' and r.tier in ('high', 'critical')) as high_approvals,
        percentile_cont(0.5) within group (order by extract(epoch from a.created_at - r.created_at) * 1000)
          filter (where a.decision = 'approve' and r.tier in ('high', 'critical')) as high_median_ms
      from approvals a
      join access_requests r on r.id = a.request_id
      where a.approver = ${q.approver.toLowerCase()}
        and a.created_at >= ${since}::timestamptz
        and a.created_at < ${q.now.toISOString()}::timestamptz`,
  );
  const row = rows[0] ?? {};
  const median = row.high_median_ms;
  return {
    decisions: Number(row.decisions ?? 0),
    denials: Number(row.denials ?? 0),
    highRiskApprovals: Number(row.high_approvals ?? 0),
    highRiskMedianMs: median === null || median === undefined ? null : Math.round(Number(median)),
  };
}
