import type pg from 'pg';
import type { ManagedGrant } from '../../core/ports/provider.js';
import { parseGrantComment } from './comment.js';
import { withClient } from './connection.js';
import { ROLE_NAME_RE } from './role-name.js';

/** Keycard's login roles on the server that belong to `resource` (roles are cluster-wide, so the comment names the resource). */
export async function listRoles(pool: pg.Pool, resource: string, server: string): Promise<ManagedGrant[]> {
  const res = await pool.query<{ rolname: string; oid: string; comment: string | null }>(
    `SELECT rolname, oid::text AS oid, shobj_description(oid, 'pg_authid') AS comment
       FROM pg_roles
      WHERE rolname LIKE 'kc\\_%' AND shobj_description(oid, 'pg_authid') LIKE 'keycard grant %'
      ORDER BY rolname`,
  );
  const grants: ManagedGrant[] = [];
  for (const row of res.rows) {
    const parsed = parseGrantComment(row.comment);
    if (!parsed || parsed.resource !== resource || !ROLE_NAME_RE.test(row.rolname)) continue;
    grants.push({
      grantId: parsed.grantId,
      ref: { role: row.rolname, server, oid: row.oid },
      principal: row.rolname,
      expiresAt: parsed.expiresAt,
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
