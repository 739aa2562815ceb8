import { and, asc, lte, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { DueKind } from '../core/ports/store.js';
import type { AccessRequest } from '../core/types.js';
import type { Database } from './database.js';
import { toAccessRequest } from './row-mapping.js';
import { accessRequests as t } from './schema.js';

interface ClaimSpec {
  /** Status predicate written as a literal, identical to the partial index's WHERE, so the planner can use that index. */
  open: SQL;
  due: PgColumn;
  extra?: SQL;
}

const CLAIMS: Record<DueKind, ClaimSpec> = {
  expired: { open: sql`status = 'active'`, due: t.expiresAt },
  revoke_retry: { open: sql`status in ('revoking', 'revoke_failed')`, due: t.nextAttemptAt },
  activation_retry: { open: sql`status = 'approved'`, due: t.nextAttemptAt },
  approval_timeout: { open: sql`status = 'pending'`, due: t.approvalExpiresAt },
  approval_reminder: { open: sql`status = 'pending' and reminded_at is null`, due: t.remindAt },
  notice: { open: sql`status = 'active'`, due: t.nextNoticeAt },
};

/**
 * Locks up to `limit` due rows, most overdue first. SKIP LOCKED lets replicas sweep side by side:
 * each takes rows nobody else holds, and a row stays claimed until the caller's transaction ends.
 */
export async function claimDue(db: Database, kind: DueKind, now: Date, limit: number): Promise<AccessRequest[]> {
  const rows = await claimQuery(db, kind, now, limit);
  return rows.map(toAccessRequest);
}

/** The claim statement itself, exposed so a test can EXPLAIN it. */
export function claimQuery(db: Database, kind: DueKind, now: Date, limit: number) {
  const spec = CLAIMS[kind];
  return db
    .select()
    .from(t)
    .where(and(spec.open, lte(spec.due, now)))
    .orderBy(asc(spec.due), asc(t.number))
    .limit(limit)
    .for('update', { skipLocked: true });
}
