import type pg from 'pg';
import type { ManagedGrant } from '../../core/ports/provider.js';
import { parseGrantComment } from './comment.js';
import { withClient } from './connection.js';
import { postgresLevelConfigSchema } from './schemas.js';

/**
 * Everything on the server that looks like one of Keycard's login roles for `resource`: a `kc_` name with a
 * Keycard comment naming this resource, or a `kc_` name (whatever its comment says) that is a member of one
 * of this resource's level group roles. A role without a readable label is listed with an empty grantId, so
 * reconciliation sees it as drift instead of skipping it; the comment is never trusted on its own (the core
 * matches each entry against the grant Keycard recorded, role name and oid included).
 */
export async function listRoles(
  pool: pg.Pool,
  resource: string,
  server: string,
  levels: Record<string, Record<string, unknown>> = {},
): Promise<ManagedGrant[]> {
  const groupRoles = Object.values(levels)
    .map((level) => postgresLevelConfigSchema.safeParse(level))
    .flatMap((parsed) => (parsed.success ? [parsed.data.role] : []));
  const res = await pool.query<{ rolname: string; oid: string; comment: string | null; member_of_level: boolean }>(
    `SELECT r.rolname, r.oid::text AS oid, shobj_description(r.oid, 'pg_authid') AS comment,
            EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                     WHERE m.member = r.oid AND g.rolname = ANY($1::text[])) AS member_of_level
       FROM pg_roles r
      WHERE r.rolname LIKE 'kc\\_%'
      ORDER BY r.rolname`,
    [groupRoles],
  );
  const grants: ManagedGrant[] = [];
  for (const row of res.rows) {
    const parsed = parseGrantComment(row.comment);
    const ours = parsed?.resource === resource;
    if (!ours && !row.member_of_level) continue;
    grants.push({
      // A comment naming another resource is kept: the core decides whether that resource's live grant backs it.
      grantId: parsed?.grantId ?? '',
      ref: { role: row.rolname, server, oid: row.oid },
      principal: row.rolname,
      ...(ours ? { expiresAt: parsed.expiresAt } : {}),
    });
  }
  return grants;
}

/** One backend of a granted role, as pg_stat_activity shows it. */
export interface PgSession {
  pid: number;
  clientAddr: string | null;
  state: string | null;
  /** The current or last statement (truncated); needs pg_read_all_stats, otherwise "<insufficient privilege>". */
  query: string | null;
  queryStart: Date | null;
  backendStart: Date | null;
}

const MAX_QUERY = 2_000;

/** Current sessions and statements of `role`, oldest first. */
export async function roleActivity(pool: pg.Pool, role: string): Promise<PgSession[]> {
  return withClient(pool, async (db) => {
    const res = await db.query<{
      pid: number;
      client_addr: string | null;
      state: string | null;
      query: string | null;
      query_start: Date | null;
      backend_start: Date | null;
    }>(
      `SELECT pid, client_addr::text AS client_addr, state, query, query_start, backend_start
         FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid() ORDER BY backend_start, pid`,
      [role],
    );
    return res.rows.map((r) => ({
      pid: r.pid,
      clientAddr: r.client_addr,
      state: r.state,
      query: r.query === null ? null : r.query.slice(0, MAX_QUERY),
      queryStart: r.query_start,
      backendStart: r.backend_start,
    }));
  });
}
