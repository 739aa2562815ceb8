import { and, asc, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { RequestFilter, RequestPatch } from '../core/ports/store.js';
import { KeycardError } from '../core/result.js';
import type { AccessRequest, Approval, NewAccessRequest, RequestStatus } from '../core/types.js';
import {
  approvalColumns,
  insertRequestSql,
  listRequestsSql,
  preparedStatementsOn,
  requestColumns,
  runNamed,
  runSql,
  transitionSql,
} from './compiled-sql.js';
import type { Database } from './database.js';
import { pgConnectionOf } from './pg-transaction.js';
import { intColumn, queryRows } from './raw-query.js';
import { approvalFromRaw, requestFromRaw, toAccessRequest } from './row-mapping.js';
import { accessRequests as t } from './schema.js';
import { ensurePrepared, executeText, sessionStatement } from './session-statements.js';

const INT4_MAX = 2_147_483_647;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Ids may come from chat input; a malformed one is simply "not found". Querying it would raise
 * `invalid input syntax for type uuid`, which also aborts the surrounding transaction.
 */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

export async function nextRequestNumber(db: Database): Promise<number> {
  const [row] = await queryRows(db, sql`select nextval('request_number_seq')::int as n`);
  return intColumn(row, 'n');
}

export async function insertRequest(db: Database, request: NewAccessRequest & { number?: number }): Promise<AccessRequest> {
  const { text, params, name } = insertRequestSql({ ...request, updatedAt: request.createdAt });
  const [row] = await runSql(db, text, params, name);
  if (!row) throw new KeycardError('store_insert', 'insert returned no row');
  return requestFromRaw(row);
}

export async function getRequest(db: Database, id: string, forUpdate = false): Promise<AccessRequest | undefined> {
  if (!isUuid(id)) return undefined;
  const query = db.select().from(t).where(eq(t.id, id));
  const [row] = forUpdate ? await query.for('update') : await query;
  return row && toAccessRequest(row);
}

export async function getRequestByNumber(db: Database, number: number, forUpdate = false): Promise<AccessRequest | undefined> {
  // Typed by people (KC-<n>): a number outside int4 would be a query error, not "no such request".
  if (!Number.isInteger(number) || number < 1 || number > INT4_MAX) return undefined;
  const query = db.select().from(t).where(eq(t.number, number));
  const [row] = forUpdate ? await query.for('update') : await query;
  return row && toAccessRequest(row);
}

/** A request by number with its approvals (in decision order) as a JSON column: one statement, one snapshot. */
export async function getRequestWithApprovals(
  db: Database,
  number: number,
): Promise<{ request: AccessRequest; approvals: Approval[] } | undefined> {
  if (!Number.isInteger(number) || number < 1 || number > INT4_MAX) return undefined;
  const [row] = await runNamed(
    db,
    sql`select ${sql.raw(requestColumns('r'))}, (select coalesce(json_agg(a order by a.created_at, a.id), '[]'::json) from approvals a where a.request_id = r.id)
      as approvals_json from access_requests r where r.number = ${number}`,
  );
  if (!row) return undefined;
  const approvals: unknown = typeof row.approvals_json === 'string' ? JSON.parse(row.approvals_json) : row.approvals_json;
  if (!Array.isArray(approvals)) throw new KeycardError('store_driver_result', 'approvals_json is not a JSON array');
  return { request: requestFromRaw(row), approvals: (approvals as Record<string, unknown>[]).map(approvalFromRaw) };
}

/** SELECT … FOR UPDATE by number: find and lock in one round trip. */
export function lockRequestByNumber(db: Database, number: number): Promise<AccessRequest | undefined> {
  return getRequestByNumber(db, number, true);
}

// The two statements of the locking read, for a number given as SQL text (`$1`, or the number itself inline).
const lockByNumber = (n: string) => `select ${requestColumns()} from access_requests where number = ${n} for update`;
const approvalsByNumber = (n: string) =>
  `select ${approvalColumns()} from approvals where request_id = (select id from access_requests where number = ${n}) order by created_at, id`;
// Prepared once per connection (session-statements.ts).
const LOCK_BY_NUMBER = sessionStatement(['int'], lockByNumber('$1'));
const APPROVALS_BY_NUMBER = sessionStatement(['int'], approvalsByNumber('$1'));

/**
 * `lockRequestByNumber` and the request's approvals in one simple-protocol message (node-postgres): two
 * statements, so under READ COMMITTED the approvals are read with a snapshot taken after the lock was granted
 * and include those of a decision this one waited for. One statement reading both would not. Inside a
 * transaction on node-postgres both are EXECUTEs of statements the connection holds prepared; else their text.
 * The number is inlined, so it must be (and is checked to be) an int4.
 */
export async function lockRequestAndApprovals(
  db: Database,
  number: number,
): Promise<{ request: AccessRequest; approvals: Approval[] } | undefined> {
  if (!Number.isInteger(number) || number < 1 || number > INT4_MAX) return undefined;
  const connection = preparedStatementsOn() ? pgConnectionOf(db) : undefined;
  let text: string;
  if (connection) {
    await ensurePrepared(connection, [LOCK_BY_NUMBER, APPROVALS_BY_NUMBER]);
    text = `${executeText(LOCK_BY_NUMBER, [String(number)])}; ${executeText(APPROVALS_BY_NUMBER, [String(number)])}`;
  } else text = `${lockByNumber(String(number))}; ${approvalsByNumber(String(number))}`;
  const results: unknown = await db.execute(sql.raw(text));
  const sets = Array.isArray(results) ? results.map((result) => (result as { rows?: unknown }).rows) : [];
  const [requests, approvals] = sets;
  if (!Array.isArray(requests) || !Array.isArray(approvals))
    throw new KeycardError('store_query', 'the locking read returned no result sets');
  const [row] = requests as Record<string, unknown>[];
  return row && { request: requestFromRaw(row), approvals: (approvals as Record<string, unknown>[]).map(approvalFromRaw) };
}

/** One conditional UPDATE: a concurrent transition that got there first makes this match nothing. */
export async function transition(
  db: Database,
  id: string,
  from: readonly RequestStatus[],
  patch: RequestPatch,
  now: Date,
): Promise<AccessRequest | undefined> {
  if (!isUuid(id) || from.length === 0) return undefined;
  const { text, params, name } = transitionSql(id, from, patch, now);
  const [row] = await runSql(db, text, params, name);
  return row && requestFromRaw(row);
}

/** `transition` for many rows with one patch, in one statement: the rows that moved, in the order of `ids`. */
export async function transitionMany(
  db: Database,
  ids: readonly string[],
  from: readonly RequestStatus[],
  patch: RequestPatch,
  now: Date,
): Promise<AccessRequest[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0 || from.length === 0) return [];
  const rows = await db
    .update(t)
    .set({ ...patch, updatedAt: now })
    .where(and(inArray(t.id, valid), inArray(t.status, [...from])))
    .returning();
  const byId = new Map(rows.map((row) => [row.id, toAccessRequest(row)]));
  return valid.flatMap((id) => byId.get(id) ?? []);
}

/** Bookkeeping update; a status change here would bypass the conditional transition, so it is refused. */
export async function updateRequest(db: Database, id: string, patch: RequestPatch, now: Date): Promise<AccessRequest> {
  if (patch.status !== undefined) {
    throw new KeycardError('store_update_status', 'update() cannot change status; use transition()');
  }
  const [row] = isUuid(id)
    ? await db
        .update(t)
        .set({ ...patch, updatedAt: now })
        .where(eq(t.id, id))
        .returning()
    : [];
  if (!row) throw new KeycardError('request_not_found', `request ${id} does not exist`);
  return toAccessRequest(row);
}

/** Newest first. */
export async function listRequests(db: Database, filter: RequestFilter): Promise<AccessRequest[]> {
  if (filter.parentId !== undefined && !isUuid(filter.parentId)) return [];
  const { text, params, name } = listRequestsSql(filter);
  return (await runSql(db, text, params, name)).map(requestFromRaw);
}

/** Active grants expiring at or before `before`, soonest first; the partial index on expires_at answers it. */
export async function expiringSoon(db: Database, before: Date, limit: number): Promise<Array<{ id: string; expiresAt: Date }>> {
  const rows = await db
    .select({ id: t.id, expiresAt: t.expiresAt })
    .from(t)
    .where(and(sql`status = 'active'`, lte(t.expiresAt, before)))
    .orderBy(asc(t.expiresAt))
    .limit(limit);
  return rows.flatMap((row) => (row.expiresAt ? [{ id: row.id, expiresAt: row.expiresAt }] : []));
}

export async function findActiveGrant(
  db: Database,
  requester: string,
  resource: string,
  level: string,
): Promise<AccessRequest | undefined> {
  const [row] = await db
    .select()
    .from(t)
    .where(and(eq(t.requester, requester), eq(t.resource, resource), eq(t.level, level), eq(t.status, 'active')))
    .orderBy(desc(t.expiresAt))
    .limit(1);
  return row && toAccessRequest(row);
}

export async function findPending(db: Database, requester: string, resource: string, level: string): Promise<AccessRequest | undefined> {
  const [row] = await db
    .select()
    .from(t)
    .where(and(eq(t.requester, requester), eq(t.resource, resource), eq(t.level, level), eq(t.kind, 'access'), eq(t.status, 'pending')))
    .orderBy(desc(t.createdAt))
    .limit(1);
  return row && toAccessRequest(row);
}
