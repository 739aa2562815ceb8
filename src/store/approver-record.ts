import { sql } from 'drizzle-orm';
import { APPROVER_RECORD_DECISIONS } from '../core/risk/approver-records.js';
import type { ApproverRecord, ApproverRecordQuery } from '../core/types.js';
import { runNamed } from './compiled-sql.js';
import type { Database } from './database.js';

/**
 * What an approver decided in the window, from their latest APPROVER_RECORD_DECISIONS decisions there: a
 * backward scan of `approvals_approver_created_idx` (migration 0009) that stops at the cap, each joined to its
 * request for the tier and submission time.
 */
export async function readApproverRecord(db: Database, q: ApproverRecordQuery): Promise<ApproverRecord> {
  const since = new Date(q.now.getTime() - q.windowMs).toISOString();
  const rows = await runNamed(
    db,
    sql`select count(*) as decisions,
        count(*) filter (where d.decision = 'deny') as denials,
        count(*) filter (where d.decision = 'approve' and d.tier in ('high', 'critical')) as high_approvals,
        percentile_cont(0.5) within group (order by d.ms) filter (where d.decision = 'approve' and d.tier in ('high', 'critical')) as high_median_ms
      from (
        select a.decision, r.tier, extract(epoch from a.created_at - r.created_at) * 1000 as ms
        from approvals a
        join access_requests r on r.id = a.request_id
        where a.approver = ${q.approver.toLowerCase()}
          and a.created_at >= ${since}::timestamptz
          and a.created_at < ${q.now.toISOString()}::timestamptz
        order by a.created_at desc
        limit ${APPROVER_RECORD_DECISIONS}
      ) d`,
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
