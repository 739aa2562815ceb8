import { and, asc, desc, gt, gte, type SQL, sql } from 'drizzle-orm';
import { type AuditKey, GENESIS_HASH, hashAuditEvent } from '../core/audit/hash-chain.js';
import type { AuditQuery } from '../core/ports/store.js';
import { KeycardError } from '../core/result.js';
import type { AuditEvent, AuditInput } from '../core/types.js';
import type { Database } from './database.js';
import { intColumn, queryRows } from './raw-query.js';
import { toAuditEvent } from './row-mapping.js';
import { auditEvents as t } from './schema.js';

/** Transaction advisory lock key serialising audit writers ("KCAU"). */
export const AUDIT_LOCK_KEY = 0x4b434155;

/** The chain's newest event (seq and hash), which the next appended event links to. */
export interface AuditHead {
  seq: number;
  hash: string;
}

const LOCK_SQL = `select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`;
// seq as text: bigint arrives as a string (node-postgres) or a bigint (PGlite); ordered by the column, not the alias.
const HEAD_SQL = 'select seq::text as seq, hash from audit_events order by audit_events.seq desc limit 1';

/**
 * Takes the chain's lock and reads its head. Must run inside a transaction: the lock is held until commit,
 * so the next writer reads this transaction's last event as its predecessor and the chain never forks.
 * `oneMessage` (node-postgres): both statements go in one simple-protocol message, one round trip. They
 * stay two statements on purpose: under READ COMMITTED each takes its own snapshot, so the read sees
 * what the previous lock holder committed while we waited. One statement doing both would read with
 * a snapshot taken before the wait and fork the chain (the primary key on seq would then refuse it).
 * PGlite's driver sends one statement per message, and it has one connection, so there it is two.
 */
export async function lockAuditHead(tx: Database, oneMessage: boolean): Promise<AuditHead | undefined> {
  if (!oneMessage) {
    await tx.execute(sql.raw(LOCK_SQL));
    return headOf(await queryRows(tx, sql.raw(HEAD_SQL)));
  }
  const results: unknown = await tx.execute(sql.raw(`${LOCK_SQL}; ${HEAD_SQL}`));
  const head = Array.isArray(results) ? (results[1] as { rows?: unknown } | undefined)?.rows : undefined;
  if (!Array.isArray(head)) throw new KeycardError('store_query', 'the audit head query returned no result set');
  return headOf(head as Record<string, unknown>[]);
}

function headOf(rows: Record<string, unknown>[]): AuditHead | undefined {
  const [row] = rows;
  if (!row) return undefined;
  return { seq: intColumn(row, 'seq'), hash: String(row.hash) };
}

/** An event in the form it is hashed and stored (details as jsonb will give them back). */
export function toStoredAudit(event: AuditInput): AuditInput {
  return {
    at: event.at,
    actor: event.actor,
    action: event.action,
    requestId: event.requestId,
    // Hash exactly what jsonb will give back (Dates as strings, undefined dropped), or verification would fail later.
    details: asStoredJson(event.details),
  };
}

/**
 * Appends `events` (already `toStoredAudit`) after `head` with one multi-row insert. The caller holds the
 * chain's lock (`lockAuditHead`) in the same transaction.
 */
export async function writeAudits(
  tx: Database,
  events: readonly AuditInput[],
  key: AuditKey | undefined,
  head: AuditHead | undefined,
): Promise<AuditEvent[]> {
  if (events.length === 0) return [];
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const values = events.map((content) => {
    seq += 1;
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
