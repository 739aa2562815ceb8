import pg from 'pg';
import { ProviderError } from '../../core/ports/provider.js';
import { redactUrls } from '../redact-url.js';
import type { PostgresResourceConfig } from './schemas.js';

/** Where the admin URL points; everything the delivered credential needs except the login itself. */
export interface PgTarget {
  host: string;
  port: string;
  database: string;
  /** Query parameters carried over to the user's connection string (sslmode, socket host). */
  params: URLSearchParams;
  /** `host:port/database`, safe for messages. */
  label: string;
}

const CARRIED_PARAMS = ['sslmode', 'host'];

/** Parses the resolved `connection:` admin URL; refuses anything but postgres:// URLs. */
export function parseAdminUrl(connection: string | undefined, resource: string): PgTarget {
  if (!connection) {
    throw new ProviderError('invalid_config', `resource ${resource} needs connection: env:VAR holding a postgres:// admin URL`);
  }
  let url: URL;
  try {
    url = new URL(connection);
  } catch {
    throw new ProviderError(
      'invalid_config',
      `resource ${resource}: the connection is not a URL (expected postgres://user:password@host:5432/db)`,
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ProviderError('invalid_config', `resource ${resource}: the connection must be a postgres:// URL, not ${url.protocol}//…`);
  }
  const host = url.hostname || 'localhost';
  const port = url.port || '5432';
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username) || 'postgres';
  const params = new URLSearchParams();
  for (const key of CARRIED_PARAMS) {
    const value = url.searchParams.get(key);
    if (value !== null) params.set(key, value);
  }
  return { host, port, database, params, label: `${host}:${port}/${database}` };
}

/** The ready-to-use connection string delivered to the requester. */
export function userConnectionString(target: PgTarget, role: string, password: string): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const query = target.params.toString();
  const db = encodeURIComponent(target.database);
  return `postgresql://${role}:${encodeURIComponent(password)}@${host}:${target.port}/${db}${query ? `?${query}` : ''}`;
}

/** One small pool per admin URL, created lazily; `closeAll` ends them. */
export function createPoolCache() {
  const pools = new Map<string, pg.Pool>();
  return {
    get(connection: string, config: PostgresResourceConfig): pg.Pool {
      const key = `${config.connectTimeoutMs}|${config.statementTimeoutMs}|${connection}`;
      let pool = pools.get(key);
      if (!pool) {
        pool = new pg.Pool({
          connectionString: connection,
          max: 3,
          idleTimeoutMillis: 10_000,
          allowExitOnIdle: true,
          connectionTimeoutMillis: config.connectTimeoutMs,
          statement_timeout: config.statementTimeoutMs,
          lock_timeout: config.statementTimeoutMs,
          query_timeout: config.statementTimeoutMs + 5_000,
          application_name: 'keycard',
        });
        // An idle client losing its connection must not crash the process; the next checkout reconnects.
        pool.on('error', () => undefined);
        pools.set(key, pool);
      }
      return pool;
    },
    async closeAll(): Promise<void> {
      const open = [...pools.values()];
      pools.clear();
      await Promise.allSettled(open.map((p) => p.end()));
    },
  };
}

/** Runs `fn` on a checked-out client with an 'error' listener attached (node-pg crashes the process without one). */
export async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: unknown;
  const onError = (err: unknown) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    return await fn(client);
  } catch (err) {
    broken ??= isConnectionLevel(err) ? err : undefined;
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken instanceof Error ? broken : undefined);
  }
}

function isConnectionLevel(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code !== 'string' || code.startsWith('08') || code.startsWith('57');
}

/** Redacts URLs inside a driver message before it reaches an error message. */
export function cleanMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return redactUrls(message).slice(0, 300);
}
