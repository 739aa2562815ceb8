import { createHash } from 'node:crypto';
import type pg from 'pg';

// Statements prepared with SQL PREPARE on a connection and run with EXECUTE inside a simple-protocol message.
// The extended protocol (node-postgres' named statements, compiled-sql.ts) takes one statement per message, so
// the messages that must hold several statements (a transaction's locking read with BEGIN, the audit insert
// with COMMIT) were parsed and planned by the server on every call. `execute name(args)` is parsed in a few
// microseconds and runs the plan the session keeps, and it still shares the message with its neighbours,
// each statement with its own snapshot as before.

/** A statement to prepare once per connection; `name` is derived from its text, so a changed text is a new statement. */
export interface SessionStatement {
  readonly name: string;
  readonly prepare: string;
}

/**
 * `text` (with `$1`… parameters of `parameterTypes`) as a session statement. Like compiled-sql's statements, its
 * rows must be named columns, never `*`: a column a later migration adds would otherwise change the result of a
 * statement a running replica holds prepared.
 */
export function sessionStatement(parameterTypes: readonly string[], text: string): SessionStatement {
  const types = parameterTypes.length > 0 ? `(${parameterTypes.join(', ')})` : '';
  const name = `kcs_${createHash('sha256').update(`${types} ${text}`).digest('hex').slice(0, 24)}`;
  return { name, prepare: `prepare ${name}${types} as ${text}` };
}

/** `execute name(arguments)`: each argument must already be SQL text (a number, a quoted literal). */
export function executeText(statement: SessionStatement, args: readonly string[]): string {
  return args.length > 0 ? `execute ${statement.name}(${args.join(', ')})` : `execute ${statement.name}`;
}

const preparedOn = new WeakMap<pg.ClientBase, Set<string>>();

/**
 * Prepares on `connection` those of `statements` it does not hold yet, one message each (once per connection
 * and statement). PREPARE is not transactional, so a statement stays prepared whatever becomes of the
 * transaction around it; one already there (42P05: its name is its text's hash) counts as prepared.
 */
export async function ensurePrepared(connection: pg.ClientBase, statements: readonly SessionStatement[]): Promise<void> {
  let names = preparedOn.get(connection);
  if (!names) {
    names = new Set();
    preparedOn.set(connection, names);
  }
  for (const statement of statements) {
    if (names.has(statement.name)) continue;
    try {
      await connection.query(statement.prepare);
    } catch (error) {
      if ((error as { code?: unknown }).code !== '42P05') throw error;
    }
    names.add(statement.name);
  }
}

/**
 * Whether `error` (or a cause of it) is Postgres saying a prepared statement does not exist (26000, whatever the
 * server's message language): the server session behind the connection may have lost one of ours (e.g. a pooler
 * handed the connection another server session).
 */
export function isLostStatement(error: unknown): boolean {
  for (let current = error; typeof current === 'object' && current !== null; current = (current as { cause?: unknown }).cause) {
    if ((current as { code?: unknown }).code === '26000') return true;
  }
  return false;
}

/**
 * Counts as prepared on `connection` only what its server session holds now, so the next transaction prepares
 * the rest again instead of failing the same way for as long as the connection lives. Outside a transaction.
 */
export async function relearnPrepared(connection: pg.ClientBase): Promise<void> {
  preparedOn.delete(connection);
  const { rows } = await connection.query<{ name: string }>(
    "select name from pg_prepared_statements where from_sql and left(name, 4) = 'kcs_'",
  );
  preparedOn.set(connection, new Set(rows.map((row) => row.name)));
}
