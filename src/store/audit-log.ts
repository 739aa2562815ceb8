import { and, asc, count, desc, gt, gte, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import { escapeLiteral } from 'pg';
import { type AuditKey, type AuditKeyLookup, GENESIS_HASH, hashAuditEvent, macAuditRow } from '../core/audit/hash-chain.js';
import type { AuditQuery } from '../core/ports/store.js';
import { KeycardError } from '../core/result.js';
import type { AuditEvent, AuditInput } from '../core/types.js';
import { preparedStatementsOn } from './compiled-sql.js';
import type { Database } from './database.js';
import { pgConnectionOf } from './pg-transaction.js';
import { intColumn, queryRows } from './raw-query.js';
import { type AuditEventRow, auditEvents as t } from './schema.js';
import { ensurePrepared, executeText, type SessionStatement, sessionStatement } from './session-statements.js';

/** Transaction advisory lock key serialising the chain's writers, the sequencers of every replica ("KCAU"). */
export const AUDIT_LOCK_KEY = 0x4b434155;

/** The chain's newest event (seq and hash), which the next chained event links to. */
export interface AuditHead {
  seq: number;
  hash: string;
}

const LOCK_SQL = `select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`;
// seq as text: bigint arrives as a string (node-postgres) or a bigint (PGlite); ordered by the column, not the alias.
const HEAD_SQL = 'select seq::text as seq, hash from audit_events where seq is not null order by audit_events.seq desc limit 1';

/**
 * Takes the chain's lock and reads its head. Must run inside a transaction: the lock is held until commit,
 * so the next sequencer reads this transaction's last event as its predecessor and the chain never forks.
 * `oneMessage` (node-postgres): both statements go in one simple-protocol message, one round trip. They
 * stay two statements on purpose: under READ COMMITTED each takes its own snapshot, so the read sees
 * what the previous lock holder committed while we waited. One statement doing both would read with
 * a snapshot taken before the wait and fork the chain (the unique index on seq would then refuse it).
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

/** An event in the form it is stored and later hashed (details as jsonb will give them back). */
export function toStoredAudit(event: AuditInput): AuditInput {
  return {
    at: event.at,
    actor: event.actor,
    action: event.action,
    requestId: event.requestId ?? null,
    // Store exactly what jsonb will give back (Dates as strings, undefined dropped); a bad object fails here.
    details: asStoredJson(event.details),
  };
}

/**
 * Writes a transaction's events (already `toStoredAudit`) unchained, with one multi-row insert and no
 * lock: they commit or roll back with the transaction, and the sequencer chains them after the commit.
 * With a key, each row carries the writer's MAC (and the key's id), which the sequencer checks.
 */
export async function insertAudits(tx: Database, events: readonly AuditInput[], key: AuditKey | undefined): Promise<void> {
  if (events.length === 0) return;
  await tx.insert(t).values(events.map((event) => ({ ...event, keyId: key?.id ?? null, mac: key ? macAuditRow(event, key) : null })));
}

/** Columns of the unchained rows the audit inserts write, and their SQL types (a recordset's column list). */
const UNCHAINED_COLUMNS = 'at, actor, action, request_id, details, key_id, mac';
const UNCHAINED_RECORD = 'i int, at timestamptz, actor text, action text, request_id uuid, details jsonb, key_id text, mac text';

/** Events (already `toStoredAudit`) as one JSON recordset, each row with its MAC and position. */
export function auditRecordset(events: readonly AuditInput[], key: AuditKey | undefined): string {
  return JSON.stringify(
    events.map((event, i) => ({
      i,
      at: event.at.toISOString(),
      actor: event.actor,
      action: event.action,
      request_id: event.requestId,
      details: event.details,
      key_id: key?.id ?? null,
      mac: key ? macAuditRow(event, key) : null,
    })),
  );
}

const insertHead = `insert into audit_events (${UNCHAINED_COLUMNS}) select ${UNCHAINED_COLUMNS.replace(/(\w+)/g, 'e.$1')} from jsonb_to_recordset(`;
const insertRecord = `) as e(${UNCHAINED_RECORD})`;

/**
 * `insert … select` of the events in `recordset` (SQL text yielding `auditRecordset`'s jsonb: a parameter, or a
 * quoted literal) that pass `where` (on `e.` columns), in their order.
 */
export function auditInsertFrom(recordset: string, where = ''): string {
  return `${insertHead}${recordset}${insertRecord}${where ? ` ${where}` : ''} order by e.i`;
}

// The same insert prepared once per connection, its recordset the one parameter.
const AUDIT_INSERT = sessionStatement(['jsonb'], auditInsertFrom('$1'));

/**
 * The insert as a statement without parameters, so it can share a simple-protocol message with COMMIT: the
 * events go inline as one quoted literal (`escapeLiteral` quotes right for either setting of
 * standard_conforming_strings), as the argument of the prepared insert's EXECUTE, or (prepared statements
 * off) inside the insert's own text.
 */
export function auditInsertText(
  events: readonly AuditInput[],
  key: AuditKey | undefined,
): { text: string; prepared: readonly SessionStatement[] } | undefined {
  if (events.length === 0) return undefined;
  const recordset = escapeLiteral(auditRecordset(events, key));
  return preparedStatementsOn()
    ? { text: executeText(AUDIT_INSERT, [recordset]), prepared: [AUDIT_INSERT] }
    : { text: auditInsertFrom(`${recordset}::jsonb`), prepared: [] };
}

/** Keys for chaining: new links are keyed with `current`; a row's MAC is checked with the key it names. */
export interface ChainKeys {
  current: AuditKey | undefined;
  lookup: AuditKeyLookup;
}

interface Unchained extends AuditInput {
  id: number;
  /** The writing transaction, so one transaction's events stay together in the chain. */
  txid: string;
  keyId: string | null;
  mac: string | null;
}

/** Why a row may not be chained, or undefined when its MAC checks (or the chain is unkeyed and so is the row). */
function refusal(row: Unchained, keys: ChainKeys): string | undefined {
  if (!row.mac || !row.keyId) return keys.current ? 'it carries no writer MAC (written without the audit key)' : undefined;
  const key = keys.lookup(row.keyId);
  if (!key) return `its MAC was made with key "${row.keyId}", which this process does not have`;
  return macAuditRow(row, key) === row.mac ? undefined : 'its writer MAC does not match its content (written or edited without the key)';
}

// The oldest unchained events with what chaining needs; `at` as epoch ms, since node-postgres hands drizzle's
// raw queries timestamps as text.
const unchainedSql = (limit: number) =>
  `select id::text as id, xmin::text as txid, (extract(epoch from at) * 1000)::float8 as at_ms, actor, action,
     request_id, details, key_id, mac from audit_events where seq is null order by audit_events.id limit ${Math.trunc(limit)}`;
// The head and unchained reads prepared once per connection for the sequencer's message (session-statements.ts);
// the limit stays a constant of the text, so the plan is the one the inline statement got.
const HEAD = sessionStatement([], HEAD_SQL);
const unchainedStatements = new Map<number, SessionStatement>();
function unchainedStatement(limit: number): SessionStatement {
  let statement = unchainedStatements.get(limit);
  if (!statement) {
    statement = sessionStatement([], unchainedSql(limit));
    unchainedStatements.set(limit, statement);
  }
  return statement;
}

/**
 * Chains up to `limit` committed, unchained events in one transaction: the chain's lock, its head and the
 * oldest unchained events (each writing transaction's events together, in their order; on node-postgres
 * all three in one message), then one update that gives them seq, prev_hash, hash and key_id. Returns how
 * many it chained. A crash before the commit leaves them unchained for the next run; the lock makes
 * replicas take turns. A row whose writer MAC does not check is left unchained and reported to `refused`.
 */
export async function chainAudits(
  transaction: <T>(body: (tx: Database) => Promise<T>) => Promise<T>,
  keys: ChainKeys,
  oneMessage: boolean,
  limit: number,
  refused: (id: number, why: string) => void,
): Promise<number> {
  const key = keys.current;
  return transaction(async (tx) => {
    let head: AuditHead | undefined;
    let rows: Record<string, unknown>[];
    if (oneMessage) {
      const connection = preparedStatementsOn() ? pgConnectionOf(tx) : undefined;
      let text = `${LOCK_SQL}; ${HEAD_SQL}; ${unchainedSql(limit)}`;
      if (connection) {
        const unchained = unchainedStatement(limit);
        await ensurePrepared(connection, [HEAD, unchained]);
        text = `${LOCK_SQL}; ${executeText(HEAD, [])}; ${executeText(unchained, [])}`;
      }
      const results: unknown = await tx.execute(sql.raw(text));
      const sets = Array.isArray(results) ? results.map((r) => (r as { rows?: unknown }).rows) : [];
      if (!Array.isArray(sets[1]) || !Array.isArray(sets[2]))
        throw new KeycardError('store_query', 'the audit chaining query returned no result sets');
      head = headOf(sets[1] as Record<string, unknown>[]);
      rows = sets[2] as Record<string, unknown>[];
    } else {
      head = await lockAuditHead(tx, false);
      rows = await queryRows(tx, sql.raw(unchainedSql(limit)));
    }
    const accepted = rows.map(toUnchained).filter((row) => {
      const why = refusal(row, keys);
      if (why) refused(row.id, why);
      return why === undefined;
    });
    if (accepted.length === 0) return 0;
    let seq = head?.seq ?? 0;
    let prevHash = head?.hash ?? GENESIS_HASH;
    const chained = inTransactionOrder(accepted).map((event) => {
      seq += 1;
      const hash = hashAuditEvent(prevHash, seq, event, key);
      const link = { id: event.id, seq, prev_hash: prevHash, hash, key_id: key?.id ?? null };
      prevHash = hash;
      return link;
    });
    const updated = await tx.execute(sql`
      update ${t} set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash, key_id = v.key_id, mac = null
      from jsonb_to_recordset(${JSON.stringify(chained)}::jsonb) as v(id bigint, seq bigint, prev_hash text, hash text, key_id text)
      where ${t}.id = v.id and ${t}.seq is null`);
    // Under the lock nobody else chains, so every row is still unchained; fewer means a writer skipped the lock.
    if (rowCountOf(updated) !== chained.length) throw new KeycardError('store_update', 'audit chaining updated fewer rows than it read');
    return chained.length;
  });
}

function toUnchained(row: Record<string, unknown>): Unchained {
  const details = typeof row.details === 'string' ? (JSON.parse(row.details) as unknown) : row.details;
  if (typeof details !== 'object' || details === null) throw new KeycardError('store_driver_result', 'audit details are not an object');
  return {
    id: intColumn(row, 'id'),
    txid: String(row.txid),
    at: new Date(intColumn(row, 'at_ms')),
    actor: String(row.actor),
    action: String(row.action),
    requestId: row.request_id === null || row.request_id === undefined ? null : String(row.request_id),
    details: details as Record<string, unknown>,
    keyId: row.key_id === null || row.key_id === undefined ? null : String(row.key_id),
    mac: row.mac === null || row.mac === undefined ? null : String(row.mac),
  };
}

/** Rows grouped by writing transaction (in order of each one's first row), insertion order inside each. */
function inTransactionOrder(rows: Unchained[]): Unchained[] {
  const groups = new Map<string, Unchained[]>();
  for (const row of rows) {
    const group = groups.get(row.txid);
    if (group) group.push(row);
    else groups.set(row.txid, [row]);
  }
  return [...groups.values()].flat();
}

function rowCountOf(result: unknown): number | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const value = 'rowCount' in result ? result.rowCount : 'affectedRows' in result ? result.affectedRows : undefined;
  return typeof value === 'number' ? value : undefined;
}

function asStoredJson(details: Record<string, unknown>): Record<string, unknown> {
  const copy: unknown = JSON.parse(JSON.stringify(details));
  if (typeof copy !== 'object' || copy === null || Array.isArray(copy)) {
    throw new KeycardError('audit_details', 'audit details must be a JSON object');
  }
  return copy as Record<string, unknown>;
}

/** Chained events in chain order. No default limit: callers page with `afterSeq`. */
export async function readAudit(db: Database, query: AuditQuery): Promise<AuditEvent[]> {
  const conditions: SQL[] = [isNotNull(t.seq)];
  if (query.since !== undefined) conditions.push(gte(t.at, query.since));
  if (query.afterSeq !== undefined) conditions.push(gt(t.seq, query.afterSeq));
  const select = db
    .select()
    .from(t)
    .where(and(...conditions))
    .orderBy(asc(t.seq));
  const rows = query.limit === undefined ? await select : await select.limit(query.limit);
  return rows.map(toChainedEvent);
}

/** The newest chained event's seq and hash (what a checkpoint signs), or undefined for an empty chain. */
export async function readAuditHead(db: Database): Promise<{ seq: number; hash: string } | undefined> {
  const [last] = await db.select({ seq: t.seq, hash: t.hash }).from(t).where(isNotNull(t.seq)).orderBy(desc(t.seq)).limit(1);
  return last && last.seq !== null && last.hash !== null ? { seq: last.seq, hash: last.hash } : undefined;
}

/** How many committed events are not chained yet (the sequencer's backlog). */
export async function countUnchained(db: Database): Promise<number> {
  const [row] = await db.select({ n: count() }).from(t).where(isNull(t.seq));
  return row?.n ?? 0;
}

function toChainedEvent(row: AuditEventRow): AuditEvent {
  if (row.seq === null || row.prevHash === null || row.hash === null) {
    throw new KeycardError('store_driver_result', `audit event ${row.id} was read as chained but has no chain columns`);
  }
  const { id: _id, mac: _mac, ...event } = row;
  return { ...event, seq: row.seq, prevHash: row.prevHash, hash: row.hash };
}
