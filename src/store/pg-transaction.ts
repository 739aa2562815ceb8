import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { Database } from './database.js';
import { ensurePrepared, isLostStatement, relearnPrepared, type SessionStatement } from './session-statements.js';

type QueryConfig = { text: string; name?: string; values?: unknown[] } & Record<string, unknown>;

/**
 * One pooled connection as a transaction uses it. BEGIN is not a round trip of its own: it goes out with the
 * transaction's first statement, in the same simple-protocol message when that statement has no parameters
 * (`begin; <statement>`), else just before it. A transaction that sends nothing never begins at all.
 */
class LazyBeginClient {
  began = false;
  constructor(private readonly client: pg.PoolClient) {}

  async query(config: string | QueryConfig, values?: unknown[]): Promise<unknown> {
    if (this.began) return this.client.query(config as pg.QueryConfig, values);
    this.began = true;
    const query: QueryConfig = typeof config === 'string' ? { text: config } : config;
    const parameters = values ?? query.values;
    if (query.name !== undefined || (parameters !== undefined && parameters.length > 0)) {
      // Parameters need the extended protocol, which takes one statement per message.
      await this.client.query('begin');
      return this.client.query(config as pg.QueryConfig, values);
    }
    const results: unknown = await this.client.query({ ...query, text: `begin; ${query.text}` } as pg.QueryConfig, values);
    // node-postgres answers a multi-statement message with one result per statement; BEGIN's is dropped.
    if (!Array.isArray(results)) return results;
    const rest = results.slice(1);
    return rest.length === 1 ? rest[0] : rest;
  }
}

/**
 * What ends a transaction: an optional last statement (no parameters) sent in one message with COMMIT, and
 * the session statements it executes (prepared on the connection first when it does not hold them yet).
 */
export type TransactionTail = () => { text: string; prepared: readonly SessionStatement[] } | undefined;

const sessions = new WeakMap<pg.PoolClient, { client: LazyBeginClient; db: Database }>();
const connections = new WeakMap<Database, pg.PoolClient>();

/**
 * The pooled connection under a transaction's `db` (one `runPgTransaction` handed to its body), so a statement
 * can prepare what it executes on it; undefined for any other database handle.
 */
export function pgConnectionOf(db: Database): pg.PoolClient | undefined {
  return connections.get(db);
}

/**
 * A transaction on the pool with the fewest round trips node-postgres allows: BEGIN rides on the first
 * statement and the tail (the transaction's audit insert) on COMMIT. Same guarantees as drizzle's own
 * transaction: everything the body and the tail do commits together, or nothing does.
 */
export async function runPgTransaction<T>(pool: pg.Pool, body: (tx: Database) => Promise<T>, tail: TransactionTail): Promise<T> {
  const connection = await pool.connect();
  let session = sessions.get(connection);
  if (!session) {
    const client = new LazyBeginClient(connection);
    session = { client, db: drizzle(client as unknown as pg.PoolClient) };
    sessions.set(connection, session);
    connections.set(session.db, connection);
  }
  const { client, db } = session;
  client.began = false;
  let broken: Error | undefined;
  try {
    const value = await body(db);
    const last = tail();
    if (last) await ensurePrepared(connection, last.prepared);
    // Nothing was sent: the tail alone is one statement, atomic by itself; without one there is nothing to do.
    if (!client.began) {
      if (last) await connection.query(last.text);
    } else await connection.query(last ? `${last.text}; commit` : 'commit');
    return value;
  } catch (error) {
    if (client.began) {
      // A failed message leaves the transaction aborted (or already ended); a connection that cannot even
      // roll back is not handed out again.
      await connection.query('rollback').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
    }
    // A session statement the server session no longer holds: learn what it does hold (else drop the connection).
    if (!broken && isLostStatement(error))
      await relearnPrepared(connection).catch((relearnError: unknown) => {
        broken = relearnError instanceof Error ? relearnError : new Error(String(relearnError));
      });
    throw error;
  } finally {
    connection.release(broken);
  }
}
