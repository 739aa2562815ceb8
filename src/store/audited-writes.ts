import type { AuditKey } from '../core/audit/hash-chain.js';
import type { RequestPatch } from '../core/ports/store.js';
import { KeycardError } from '../core/result.js';
import type { AccessRequest, AuditInput, NewAccessRequest, RequestStatus } from '../core/types.js';
import { auditInsertFrom, auditRecordset } from './audit-log.js';
import { type Compiled, compiled, driverValue, insertRequestSql, requestColumns, runSql, transitionSql } from './compiled-sql.js';
import type { Database } from './database.js';
import { isUuid } from './request-repository.js';
import { requestFromRaw } from './row-mapping.js';

// A state change and its audit events as ONE statement: the change in a data-modifying CTE, the events
// inserted from its RETURNING rows. A single statement is atomic by itself, so these writes need no
// transaction, and so no begin and commit round trips. The events go in unchained, as a transaction's do
// (insertAudits in audit-log.ts); the statement's own transaction id keeps them together for the sequencer.

/**
 * `write` (an access_requests statement RETURNING its rows, with `params`) with `events` (already
 * `toStoredAudit`) inserted in the same statement: only the events whose request is among the rows it
 * returned, in their order. Returns the rows the write returned.
 */
async function writeAudited(
  db: Database,
  write: Compiled,
  params: unknown[],
  events: readonly AuditInput[],
  key: AuditKey | undefined,
): Promise<AccessRequest[]> {
  if (events.length === 0) return (await runSql(db, write.text, params, write.name)).map(requestFromRaw);
  const audit = auditInsertFrom(`$${params.length + 1}::jsonb`, 'where e.request_id in (select id from moved)');
  const statement = compiled(`with moved as (${write.text}), audit as (${audit}) select * from moved`);
  const rows = await runSql(db, statement.text, [...params, auditRecordset(events, key)], statement.name);
  return rows.map(requestFromRaw);
}

/** `transition` (one conditional update) and, when the row moved, its events, in one statement. */
export async function transitionAudited(
  db: Database,
  id: string,
  from: readonly RequestStatus[],
  patch: RequestPatch,
  now: Date,
  events: readonly AuditInput[],
  key: AuditKey | undefined,
): Promise<AccessRequest | undefined> {
  if (!isUuid(id) || from.length === 0) return undefined;
  const { params, ...write } = transitionSql(id, from, patch, now);
  const [row] = await writeAudited(db, write, params, events, key);
  return row;
}

const RECORD_ENDED = compiled(`update access_requests set status = v.status, ended_at = v.ended_at, next_attempt_at = null,
    last_error = null, updated_at = $2::timestamptz
  from jsonb_to_recordset($1::jsonb) as v(id uuid, status text, ended_at timestamptz)
  where access_requests.id = v.id and access_requests.status in ('revoking', 'revoke_failed')
  returning ${requestColumns('access_requests')}`);

/**
 * `recordEnded` and the events of the grants that moved, in one statement: each grant's own end status
 * and time come from a recordset, so expired and revoked ends share the one update.
 */
export async function recordEndedAudited(
  db: Database,
  ends: ReadonlyArray<{ id: string; status: 'expired' | 'revoked'; endedAt: Date }>,
  now: Date,
  events: readonly AuditInput[],
  key: AuditKey | undefined,
): Promise<AccessRequest[]> {
  const valid = ends.filter((end) => isUuid(end.id));
  if (valid.length === 0) return [];
  const recordset = JSON.stringify(valid.map((end) => ({ id: end.id, status: end.status, ended_at: end.endedAt.toISOString() })));
  const moved = new Map(
    (await writeAudited(db, RECORD_ENDED, [recordset, driverValue('updatedAt', now)], events, key)).map((row) => [row.id, row]),
  );
  return ends.flatMap((end) => moved.get(end.id) ?? []);
}

/** `recordEnded` inside a transaction: the same update, its events queued with the transaction's. */
export function recordEnded(
  db: Database,
  ends: ReadonlyArray<{ id: string; status: 'expired' | 'revoked'; endedAt: Date }>,
  now: Date,
): Promise<AccessRequest[]> {
  return recordEndedAudited(db, ends, now, [], undefined);
}

/** `insertRequest` (with its number drawn beforehand, so the events can name it) and its events, in one statement. */
export async function insertRequestAudited(
  db: Database,
  request: NewAccessRequest & { number: number },
  events: readonly AuditInput[],
  key: AuditKey | undefined,
): Promise<AccessRequest> {
  const { params, ...write } = insertRequestSql({ ...request, updatedAt: request.createdAt });
  const [row] = await writeAudited(db, write, params, events, key);
  if (!row) throw new KeycardError('store_insert', 'insert returned no row');
  return row;
}
