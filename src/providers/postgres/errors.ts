import { ProviderError } from '../../core/ports/provider.js';
import { cleanMessage } from './connection.js';

export interface PgErrorContext {
  /** `host:port/db`, never the URL. */
  target: string;
  action: 'grant' | 'revoke' | 'extend' | 'list' | 'activity' | 'inventory';
  resource: string;
  level?: string;
  groupRole?: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);
const ADMIN_FIX =
  'the admin role needs CREATEROLE, pg_signal_backend, and on PostgreSQL 16+ ADMIN OPTION on each group role ' +
  '(GRANT <group> TO <admin> WITH ADMIN OPTION); see src/providers/postgres/README.md';

export function pgErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps a node-pg / network failure into the vendor-neutral ProviderError set. */
export function toProviderError(err: unknown, ctx: PgErrorContext): ProviderError {
  if (err instanceof ProviderError) return err;
  const code = pgErrorCode(err);
  const detail = cleanMessage(err);
  const where = `postgres ${ctx.target} (${ctx.action} on ${ctx.resource})`;
  const make = (kind: ConstructorParameters<typeof ProviderError>[0], message: string) =>
    new ProviderError(kind, `${where}: ${message}`, { cause: err });

  if (code === '28P01' || code === '28000')
    return make('auth_failed', `admin login refused: ${detail}; check the connection URL's user and password`);
  if (code === '42501') return make('auth_failed', `permission denied (${detail}); ${ADMIN_FIX}`);
  if (code === '42704' && ctx.action === 'grant' && ctx.groupRole) {
    return make('invalid_config', `group role "${ctx.groupRole}" does not exist; create it or fix levels.${ctx.level ?? '<level>'}.role`);
  }
  if (code === '3D000') return make('invalid_config', `database does not exist: ${detail}`);
  if (code === '2BP01') {
    return make(
      'conflict',
      `the role still owns objects or holds direct privileges (${detail}); set config.dropOwned: true or clean up by hand`,
    );
  }
  if (code === '42710') return make('conflict', detail);
  if (code && (NETWORK_CODES.has(code) || code.startsWith('08') || code.startsWith('57') || code === '53300' || code === '55P03')) {
    return make('unavailable', `server unreachable or busy: ${detail}`);
  }
  if (/timeout|terminated unexpectedly|Connection terminated/i.test(detail))
    return make('unavailable', `server unreachable or busy: ${detail}`);
  return make('unknown', detail);
}
