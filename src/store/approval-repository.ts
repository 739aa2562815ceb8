import { asc, eq } from 'drizzle-orm';
import type { Approval } from '../core/types.js';
import type { Database } from './database.js';
import { isUuid } from './request-repository.js';
import { toApproval } from './row-mapping.js';
import { approvals as t } from './schema.js';

/**
 * ON CONFLICT DO NOTHING rather than catching the unique violation: a caught error would still
 * abort the surrounding transaction, and a repeated click is an expected outcome, not a failure.
 */
export async function insertApproval(db: Database, approval: Omit<Approval, 'id'>): Promise<Approval | 'duplicate'> {
  const [row] = await db
    .insert(t)
    .values(approval)
    .onConflictDoNothing({ target: [t.requestId, t.approver] })
    .returning();
  return row ? toApproval(row) : 'duplicate';
}

export async function listApprovals(db: Database, requestId: string): Promise<Approval[]> {
  if (!isUuid(requestId)) return [];
  const rows = await db.select().from(t).where(eq(t.requestId, requestId)).orderBy(asc(t.createdAt), asc(t.id));
  return rows.map(toApproval);
}
