import { and, asc, desc, gt, gte, type SQL, sql } from 'drizzle-orm';
import { type AuditKey, GENESIS_HASH, hashAuditEvent } from '../core/audit/hash-chain.js';
import type { AuditQuery } from '../core/ports/store.js';
import { KeycardError } from '../core/result.js';
import type { AuditEvent, AuditInput } from '../core/types.js';
import type { Database } from './database.js';
import { toAuditEvent } from './row-mapping.js';
import { auditEvents as t } from './schema.js';

/** Transaction advisory lock key serialising audit writers ("KCAU"). */
export const AUDIT_LOCK_KEY = 0x4b434155;

/** The chain's newest event as this transaction last wrote it. */
export interface AuditHead {
  seq: number;
  hash: string;
}

/**
 * Appends one event to the hash chain. Must run inside a transaction: the advisory lock is held until
 * commit, so the next writer reads this event as its predecessor and the chain never forks.
 * Writers of audit events therefore queue behind each other; keep those transactions short.
 * `head`: the event this same transaction appended last. It still holds the lock, so nobody can have
 * appended since, and the lock and the read of the newest event are skipped (one round trip, not three).
 */
export async function appendAudit(tx: Database, event: AuditInput, key?: AuditKey, head?: AuditHead): Promise<AuditEvent> {
  const [appended] = await appendAudits(tx, [event], key, head);
  if (!appended) throw new KeycardError('store_insert', 'audit insert returned no row');
  return appended;
}

/** Appends `events` in order with one multi-row insert (same lock and chain rules as `appendAudit`). */
export async function appendAudits(tx: Database, events: readonly AuditInput[], key?: AuditKey, head?: AuditHead): Promise<AuditEvent[]> {
  if (events.length === 0) return [];
  let last = head;
  if (!last) {
    await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(AUDIT_LOCK_KEY))})`);
    [last] = await tx.select({ seq: t.seq, hash: t.hash }).from(t).orderBy(desc(t.seq)).limit(1);
  }
  let seq = last?.seq ?? 0;
  let prevHash = last?.hash ?? GENESIS_HASH;
  const values = events.map((event) => {
    seq += 1;
    const content: AuditInput = {
      at: event.at,
      actor: event.actor,
      action: event.action,
      requestId: event.requestId,
      // Hash exactly what jsonb will give back (Dates as strings, undefined dropped), or verification would fail later.
      details: asStoredJson(event.details),
    };
    const hash = hashAuditEvent(prevHash, seq, content, key);
    const row = { ...content, seq, prevHash, hash, keyId: key?.id ?? null };
    prevHash = hash;
    return row;
  });
  const rows = await tx.insert(t).values(values).returning();
  // The primary key on seq is the backstop: a writer that somehow skipped the lock fails instead of forking.
  if (rows.length !== values.length) throw new KeycardError('store_insert', 'audit insert returned fewer rows than it wrote');
  return rows.sort((a, b) => a.seq - b.seq).map(toAuditEvent);
}

function asStoredJson(details: Record<string, unknown>): Record<string, unknown> {
  const copy: unknown = JSON.parse(JSON.stringify(details));
  if (typeof copy !== 'object' || copy === null || Array.isArray(copy)) {
    throw new KeycardError('audit_details', 'audit details must be a JSON object');
  }
  return copy as Record<string, unknown>;
}

/** Events in chain order. No default limit: callers page with `afterSeq`. */
export async function readAudit(db: Database, query: AuditQuery): Promise<AuditEvent[]> {
  const conditions: SQL[] = [];
  if (query.since !== undefined) conditions.push(gte(t.at, query.since));
  if (query.afterSeq !== undefined) conditions.push(gt(t.seq, query.afterSeq));
  const select = db
    .select()
    .from(t)
    .where(and(...conditions))
    .orderBy(asc(t.seq));
  const rows = query.limit === undefined ? await select : await select.limit(query.limit);
  return rows.map(toAuditEvent);
}

/** The newest event's seq and hash (what a checkpoint signs), or undefined for an empty log. */
export async function readAuditHead(db: Database): Promise<{ seq: number; hash: string } | undefined> {
  const [last] = await db.select({ seq: t.seq, hash: t.hash }).from(t).orderBy(desc(t.seq)).limit(1);
  return last;
}
