import { asc, eq } from 'drizzle-orm';
import type { Approval } from '../core/types.js';
import { approvalColumns, compiled, runSql } from './compiled-sql.js';
import type { Database } from './database.js';
import { isUuid } from './request-repository.js';
import { approvalFromRaw, toApproval } from './row-mapping.js';
import { approvals as t } from './schema.js';

/**
 * ON CONFLICT DO NOTHING rather than catching the unique violation: a caught error would still
 * abort the surrounding transaction, and a repeated click is an expected outcome, not a failure.
 */
export async function insertApproval(db: Database, approval: Omit<Approval, 'id'>): Promise<Approval | 'duplicate'> {
  // Compiled once (compiled-sql.ts): a decision's hot path, the same text every time.
  const [row] = await runSql(
    db,
    INSERT.text,
    [
      approval.requestId,
      approval.approver,
      approval.decision,
      JSON.stringify(approval.groups),
      approval.comment,
      approval.createdAt.toISOString(),
    ],
    INSERT.name,
  );
  return row ? approvalFromRaw(row) : 'duplicate';
}

const INSERT = compiled(
  `insert into approvals (request_id, approver, decision, groups, comment, created_at) values ($1, $2, $3, $4, $5, $6)
    on conflict (request_id, approver) do nothing returning ${approvalColumns()}`,
);

export async function listApprovals(db: Database, requestId: string): Promise<Approval[]> {
  if (!isUuid(requestId)) return [];
  const rows = await db.select().from(t).where(eq(t.requestId, requestId)).orderBy(asc(t.createdAt), asc(t.id));
  return rows.map(toApproval);
}
