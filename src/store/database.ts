import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import type { Logger } from '../core/ports/runtime.js';
import { KeycardError } from '../core/result.js';
import { usePreparedStatements } from './compiled-sql.js';
import { acquireDataDirLock } from './lock-file.js';
import { PGLITE_START_PARAMS, prepareDataDir } from './pglite-files.js';
import { redactSecrets, redactUrl } from './redact-url.js';

/** The drizzle database both drivers provide; a transaction is one too. */
export type Database = PgDatabase<PgQueryResultHKT>;

interface HandleBase {
  readonly db: Database;
  /** Where the data lives, without credentials (safe to log). */
  readonly target: string;
  close(): Promise<void>;
}

export interface PgHandle extends HandleBase {
  readonly driver: 'pg';
  readonly pool: pg.Pool;
  /**
   * Inbound-event claims only, on connections of their own: a chat delivery is acknowledged only after its claim
   * commits, and on the main pool that claim would queue behind every use case's statements (Slack's 3 s ack).
   */
  readonly claimDb: Database;
  /** One connection for named locks (session advisory locks: taken and released on the same connection). */
  readonly lockPool: pg.Pool;
}

export interface PgliteHandle extends HandleBase {
  readonly driver: 'pglite';
  readonly client: PGlite;
}

export type DatabaseHandle = PgHandle | PgliteHandle;

/** `dataDir` value for a throw-away in-memory PGlite (tests, demos). */
export const MEMORY_DATA_DIR = 'memory://';

export interface OpenDatabaseOptions {
  /** A Postgres server (DATABASE_URL). Without it Keycard uses embedded PGlite in `dataDir`. */
  url?: string;
  /** PGlite data folder (created if missing, locked to one process), or `memory://`. Ignored with `url`. */
  dataDir: string;
  log: Logger;
  /** In-memory PGlite only: start from a `dumpDataDir()` tarball (tests clone a migrated template this way). */
  loadDataDir?: Blob;
  /** node-postgres pool size; default 10 (plus up to CLAIM_POOL_MAX for inbound-event claims). */
  poolMax?: number;
  /**
   * Prepare the hot statements by name on each connection (default). Off for a pooler that hands one session's
   * statements to another connection (PgBouncer in transaction mode without `max_prepared_statements`);
   * `protocol` (protocol-level named statements only, no SQL PREPARE) for PgBouncer 1.21+ in transaction mode
   * with `max_prepared_statements`.
   */
  preparedStatements?: boolean | 'protocol';
}

/** Connections kept apart for inbound-event claims (batched, so one is busy at a time; the second covers a reconnect). */
export const CLAIM_POOL_MAX = 2;

/** Opens the database Keycard runs on: a node-postgres pool for `url`, otherwise PGlite. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  return options.url ? openPool(options.url, options) : openPglite(options);
}

async function openPool(url: string, options: OpenDatabaseOptions): Promise<PgHandle> {
  const target = redactUrl(url);
  if (options.preparedStatements !== undefined) usePreparedStatements(options.preparedStatements);
  const connect = (max: number, idleTimeoutMillis?: number) => {
    const opened = new pg.Pool({
      connectionString: url,
      max,
      ...(idleTimeoutMillis !== undefined ? { idleTimeoutMillis } : {}),
      application_name: 'keycard',
      // Without a timeout an unreachable server (dropped packets, no RST) hangs start-up and every request.
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    // An idle client losing its connection emits 'error' on the pool; unhandled, that would kill the process.
    opened.on('error', (error) =>
      options.log.error({ target, error: redactSecrets(error.message, url) }, 'idle database connection failed'),
    );
    return opened;
  };
  const pool = connect(options.poolMax ?? 10);
  // Connects on first use: a process that never claims an inbound event (one-shot commands) opens none.
  const claimPool = connect(CLAIM_POOL_MAX);
  // Named locks live as long as their session: its one connection is never closed for being idle (0: no idle timeout).
  const lockPool = connect(1, 0);
  const end = () => Promise.all([pool.end(), claimPool.end(), lockPool.end()]).then(() => undefined);
  try {
    await pool.query('select 1');
  } catch (error) {
    await end().catch(() => {});
    const detail = redactSecrets(describeError(error), url);
    throw new KeycardError('database_unreachable', `cannot connect to Postgres at ${target}: ${detail}`);
  }
  options.log.info({ driver: 'pg', target }, 'database opened');
  let closed: Promise<void> | undefined;
  return {
    driver: 'pg',
    pool,
    db: drizzleNodePg(pool),
    claimDb: drizzleNodePg(claimPool),
    lockPool,
    target,
    close: () => {
      closed ??= end();
      return closed;
    },
  };
}

async function openPglite(options: OpenDatabaseOptions): Promise<PgliteHandle> {
  const inMemory = options.dataDir === MEMORY_DATA_DIR;
  if (options.loadDataDir && !inMemory) {
    throw new KeycardError('database_options', `loadDataDir is only for an in-memory database (dataDir ${MEMORY_DATA_DIR})`);
  }
  const releaseLock = inMemory ? () => {} : acquireDataDirLock(options.dataDir, options.log);
  let client: PGlite;
  try {
    const startParams = [...PGLITE_START_PARAMS];
    if (inMemory) client = await PGlite.create({ loadDataDir: options.loadDataDir, startParams });
    else {
      prepareDataDir(options.dataDir, options.log);
      client = await PGlite.create(resolve(options.dataDir), { startParams });
    }
  } catch (error) {
    releaseLock();
    throw new KeycardError('database_open_failed', `cannot open the embedded database in ${options.dataDir}`, { cause: error });
  }
  options.log.info({ driver: 'pglite', target: options.dataDir }, 'database opened');
  let closed: Promise<void> | undefined;
  return {
    driver: 'pglite',
    client,
    db: drizzlePglite(client),
    target: options.dataDir,
    close: () => {
      closed ??= client.close().finally(releaseLock);
      return closed;
    },
  };
}

/** Node reports a refused connection to a dual-stack host as an AggregateError with an empty message. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return error.message || code || error.name;
}
