import { createHash } from 'node:crypto';
import { DrizzleQueryError, entityKind, getTableColumns, type SQL } from 'drizzle-orm';
import { PgDialect, type PgTable } from 'drizzle-orm/pg-core';
import type { RequestPatch } from '../core/ports/store.js';
import { KeycardError } from '../core/result.js';
import type { RequestStatus } from '../core/types.js';
import type { Database } from './database.js';
import { accessRequests, approvals } from './schema.js';

// The hottest access_requests statements as SQL text built once per shape (which fields a patch sets, how
// many statuses a filter names) and run with only their parameters. Drizzle's builder spends ~150 µs
// assembling such a statement (every column checked, every chunk merged) on each call; the text never
// changes for a shape, so it is kept. Values go through each column's own driver mapping, as the builder
// would do it, and the rows come back through `requestFromRaw`.

const columns = getTableColumns(accessRequests);
type RequestKey = keyof typeof columns;

function columnOf(key: string) {
  const column = (columns as Record<string, (typeof columns)[RequestKey] | undefined>)[key];
  if (!column) throw new KeycardError('store_query', `access_requests has no column for "${key}"`);
  return column;
}

/** A value as the driver takes it for the column of `key` (ISO text for times, JSON text for jsonb). */
export function driverValue(key: string, value: unknown): unknown {
  return value === null || value === undefined ? null : columnOf(key).mapToDriverValue(value as never);
}

let named = true;
let session = true;

/**
 * Whether statements run under their names (prepared once per connection). Process-wide: a process opens one
 * Postgres database; `DATABASE_PREPARED_STATEMENTS=off` turns it off for poolers that cannot keep them.
 * `protocol` keeps the named (protocol-level) statements but never sends SQL `PREPARE` (session-statements.ts):
 * PgBouncer 1.21+ in transaction mode with `max_prepared_statements` carries the former to whichever server
 * connection runs the next transaction, never the latter.
 */
export function usePreparedStatements(on: boolean | 'protocol'): void {
  named = on !== false;
  session = on === true;
}

/** Whether statements may be prepared with SQL `PREPARE` on a connection for later calls (`usePreparedStatements`). */
export function preparedStatementsOn(): boolean {
  return session;
}

/** What `runSql` hands node-postgres directly: the session's client and drizzle's type parsers (times as text). */
interface PgFastPath {
  client: { query(config: object, values: unknown[]): Promise<unknown> };
  types: unknown;
}

const fastPaths = new WeakMap<object, PgFastPath | null>();
const kindOf = (value: unknown): unknown =>
  typeof value === 'object' && value !== null ? (value.constructor as { [entityKind]?: unknown })[entityKind] : undefined;

/**
 * On node-postgres with no drizzle logger or cache configured, `runSql` calls the client itself with the very
 * config drizzle would build (its type parsers, taken once from a statement drizzle prepared): per call that
 * skips a prepared-query object with two configs, its placeholder filling and three async wrappers, about as
 * much Node time as the row parsing. Anything else (PGlite, a logger) goes through drizzle.
 */
function pgFastPath(db: Database): PgFastPath | null {
  const session = db._.session as unknown as { client?: unknown; logger?: unknown; cache?: unknown };
  let fast = fastPaths.get(session);
  if (fast !== undefined) return fast;
  fast = null;
  if (kindOf(session) === 'NodePgSession' && kindOf(session.logger) === 'NoopLogger' && kindOf(session.cache) === 'NoopCache') {
    const probe = db._.session.prepareQuery({ sql: 'select 1', params: [] }, undefined, undefined, false) as unknown as {
      rawQueryConfig?: { types?: unknown };
    };
    const client = session.client as PgFastPath['client'] | undefined;
    if (probe.rawQueryConfig?.types && typeof client?.query === 'function') fast = { client, types: probe.rawQueryConfig.types };
  }
  fastPaths.set(session, fast);
  return fast;
}

/**
 * Runs SQL text with positional parameters on either driver, inside or outside a transaction, skipping
 * drizzle's statement building (and on node-postgres its query wrapper), with the same type parsing as every
 * other query and the same error (a DrizzleQueryError carrying the driver's as its cause).
 */
export async function runSql(db: Database, text: string, params: unknown[], name?: string): Promise<Record<string, unknown>[]> {
  const prepared = named ? name : undefined;
  const fast = pgFastPath(db);
  let result: unknown;
  if (fast) {
    try {
      result = await fast.client.query({ name: prepared, text, types: fast.types }, params);
    } catch (error) {
      throw new DrizzleQueryError(text, params, error as Error);
    }
  } else result = await db._.session.prepareQuery({ sql: text, params }, undefined, prepared, false).execute();
  const rows = typeof result === 'object' && result !== null && 'rows' in result ? result.rows : undefined;
  if (!Array.isArray(rows)) throw new KeycardError('store_driver_result', 'the database driver returned no rows array');
  return rows as Record<string, unknown>[];
}

/** A statement text and the name it is prepared under. */
export interface Compiled {
  text: string;
  name: string;
}

const texts = new Map<string, Compiled>();
const dialect = new PgDialect();

/**
 * Runs a drizzle `sql` query as a named (prepared) statement. Only for a query whose text depends on nothing
 * but its shape, every value a parameter: each distinct text is prepared on every connection for good.
 */
export async function runNamed(db: Database, query: SQL): Promise<Record<string, unknown>[]> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  const statement = compiled(text);
  return runSql(db, statement.text, params, statement.name);
}

/**
 * The text for `key`, built by `build` the first time, with a name derived from it: node-postgres prepares a
 * named statement once per connection, so the server parses and plans it once, not on every call (PGlite
 * ignores the name). Its rows are named columns, never `*`, so a column a later migration adds cannot change
 * the result type of a statement a running replica has prepared.
 */
function cached(key: string, build: () => string): Compiled {
  let compiled = texts.get(key);
  if (compiled === undefined) {
    const text = build();
    compiled = { text, name: `kc_${createHash('sha256').update(text).digest('hex').slice(0, 24)}` };
    texts.set(key, compiled);
  }
  return compiled;
}

/** A table's columns as a statement returns them, by name (qualified by `qualifier` where another relation shares names). */
function columnList(table: PgTable, qualifier?: string): string {
  return Object.values(getTableColumns(table))
    .map((column) => (qualifier ? `${qualifier}."${column.name}"` : `"${column.name}"`))
    .join(', ');
}

/** The request columns a statement returns (qualified by `qualifier` where another relation shares names). */
export const requestColumns = (qualifier?: string): string => columnList(accessRequests, qualifier);

const REQUEST_COLUMNS = requestColumns();

/** The approval columns a statement returns, by name. */
export const approvalColumns = (): string => columnList(approvals);

/** `text` compiled (named) once; for statements built by hand from constant parts. */
export function compiled(text: string): Compiled {
  return cached(`text:${text}`, () => text);
}

const list = (from: number, count: number) => Array.from({ length: count }, (_, i) => `$${from + i}`).join(', ');

/**
 * `update access_requests set <patch>, updated_at where id = … and status in (…) returning …` (the conditional
 * transition), with its parameters. `patch` must not set `updatedAt` (the statement does).
 */
export function transitionSql(
  id: string,
  from: readonly RequestStatus[],
  patch: RequestPatch,
  now: Date,
): Compiled & { params: unknown[] } {
  const keys = Object.keys(patch).filter((key) => (patch as Record<string, unknown>)[key] !== undefined);
  const statement = cached(`transition:${keys.join(',')}:${from.length}`, () => {
    const sets = [...keys, 'updatedAt'].map((key, i) => `"${columnOf(key).name}" = $${i + 1}`).join(', ');
    const n = keys.length + 1;
    return `update access_requests set ${sets} where "id" = $${n + 1} and "status" in (${list(n + 2, from.length)}) returning ${REQUEST_COLUMNS}`;
  });
  const params = [
    ...keys.map((key) => driverValue(key, (patch as Record<string, unknown>)[key])),
    driverValue('updatedAt', now),
    id,
    ...from,
  ];
  return { ...statement, params };
}

/** `insert into access_requests (<fields>) values (…) returning …` for the fields `row` sets, with its parameters. */
export function insertRequestSql(row: Record<string, unknown>): Compiled & { params: unknown[] } {
  const keys = Object.keys(row).filter((key) => row[key] !== undefined);
  const statement = cached(`insert:${keys.join(',')}`, () => {
    const names = keys.map((key) => `"${columnOf(key).name}"`).join(', ');
    return `insert into access_requests (${names}) values (${list(1, keys.length)}) returning ${REQUEST_COLUMNS}`;
  });
  return { ...statement, params: keys.map((key) => driverValue(key, row[key])) };
}

/** `listRequests`: the filter's conditions (each only when given), newest first, optionally limited. */
export function listRequestsSql(filter: {
  requester?: string | undefined;
  resource?: string | undefined;
  statuses?: readonly RequestStatus[] | undefined;
  parentId?: string | undefined;
  limit?: number | undefined;
}): Compiled & { params: unknown[] } {
  const params: unknown[] = [];
  const shape: string[] = [];
  const conditions: string[] = [];
  const equal = (name: string, value: unknown) => {
    params.push(value);
    shape.push(name);
    conditions.push(`"${name}" = $${params.length}`);
  };
  if (filter.requester !== undefined) equal('requester', filter.requester);
  if (filter.resource !== undefined) equal('resource', filter.resource);
  if (filter.statuses !== undefined) {
    shape.push(`status*${filter.statuses.length}`);
    // An empty list matches nothing, as drizzle's inArray renders it.
    conditions.push(filter.statuses.length === 0 ? 'false' : `"status" in (${list(params.length + 1, filter.statuses.length)})`);
    params.push(...filter.statuses);
  }
  if (filter.parentId !== undefined) equal('parent_id', filter.parentId);
  if (filter.limit !== undefined) {
    shape.push('limit');
    params.push(filter.limit);
  }
  const statement = cached(`list:${shape.join(',')}`, () => {
    const where = conditions.length > 0 ? ` where ${conditions.join(' and ')}` : '';
    const limit = filter.limit !== undefined ? ` limit $${params.length}` : '';
    return `select ${REQUEST_COLUMNS} from access_requests${where} order by "created_at" desc, "number" desc${limit}`;
  });
  return { ...statement, params };
}
