import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { ProviderError } from '../../core/ports/provider.js';
import { parseGrantComment } from './comment.js';
import { withClient } from './connection.js';
import { pgErrorCode } from './errors.js';
import { assertManagedRoleName } from './role-name.js';

const { escapeIdentifier: ident } = pg;
type Queryable = Pick<pg.PoolClient, 'query'>;

export interface RevokeTarget {
  role: string;
  grantId: string;
  /** The role's oid from the ref, to find sessions left behind if the role was already dropped. */
  oid?: string;
  dropOwned: boolean;
}

/** Thrown when sessions or the role survive the whole sequence (mapped to `unavailable` by the caller). */
export class RevokeIncompleteError extends Error {
  override readonly name = 'RevokeIncompleteError';
}

const SESSIONS_SQL = `FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND (usename = $1 OR ($2::oid IS NOT NULL AND usesysid = $2::oid))`;

/** Sessions of the role still connected (by name, or by oid for sessions of an already-dropped role). */
export async function countSessions(db: Queryable, role: string, oid: string | undefined): Promise<number> {
  const res = await db.query<{ n: number }>(`SELECT count(*)::int AS n ${SESSIONS_SQL}`, [role, oid ?? null]);
  return res.rows[0]?.n ?? 0;
}

/** Terminates the role's sessions and waits (up to `waitMs`) for them to be gone; returns how many were signalled. */
export async function terminateSessions(db: Queryable, role: string, oid: string | undefined, waitMs = 3_000): Promise<number> {
  const res = await db.query<{ pid: number; ok: boolean }>(`SELECT pid, pg_terminate_backend(pid) AS ok ${SESSIONS_SQL}`, [
    role,
    oid ?? null,
  ]);
  // pg_terminate_backend only signals; poll so the caller's re-check sees the real outcome.
  for (let waited = 0; res.rows.length > 0 && waited < waitMs; waited += 100) {
    if ((await countSessions(db, role, oid)) === 0) break;
    await sleep(100);
  }
  return res.rows.filter((r) => r.ok).length;
}

const ignoreMissingRole = (err: unknown) => {
  if (pgErrorCode(err) !== '42704') throw err;
};

/**
 * The verified revoke sequence. Each step is idempotent, tolerates "role does not exist", and runs
 * even when an earlier one failed (remove as much access as possible); the first failure is rethrown
 * at the end. VALID UNTIL alone does not end sessions and REVOKE alone does not stop a NOINHERIT
 * session that already did SET ROLE, hence NOLOGIN + '-infinity' + REVOKE + terminate + DROP + re-check.
 */
export async function revokeRole(pool: pg.Pool, target: RevokeTarget): Promise<void> {
  const { role, dropOwned } = target;
  assertManagedRoleName(role);
  const id = ident(role);
  await withClient(pool, async (db) => {
    const errors: unknown[] = [];
    const step = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        try {
          ignoreMissingRole(err);
        } catch (real) {
          errors.push(real);
        }
      }
    };
    const found = await db.query<{ oid: string; comment: string | null }>(
      `SELECT oid::text AS oid, shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1`,
      [role],
    );
    const exists = found.rows.length > 0;
    if (exists && parseGrantComment(found.rows[0]?.comment)?.grantId !== target.grantId) {
      // Someone else's role that happens to match the name pattern: never drop it.
      throw new ProviderError(
        'conflict',
        `role ${role} exists but is not labelled as Keycard grant ${target.grantId}; refusing to drop it`,
        {
          retryable: false,
        },
      );
    }
    const oid = found.rows[0]?.oid ?? target.oid;

    if (exists) {
      await step(() => db.query(`ALTER ROLE ${id} NOLOGIN VALID UNTIL '-infinity'`));
      await step(async () => {
        const groups = await db.query<{ rolname: string }>(
          `SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = $1::oid`,
          [oid],
        );
        for (const { rolname } of groups.rows) await step(() => db.query(`REVOKE ${ident(rolname)} FROM ${id}`));
      });
    }
    await step(() => terminateSessions(db, role, oid));
    if (exists && dropOwned) {
      // REASSIGN OWNED needs the privileges of the role; a CREATEROLE admin may grant itself membership.
      await step(() => db.query(`GRANT ${id} TO CURRENT_USER`));
      await step(() => db.query(`REASSIGN OWNED BY ${id} TO CURRENT_USER`));
      await step(() => db.query(`DROP OWNED BY ${id}`));
    }
    await step(() => db.query(`DROP ROLE IF EXISTS ${id}`));

    // Re-check: a session that survived (or connected in between) gets one more terminate.
    if ((await countSessions(db, role, oid)) > 0) await terminateSessions(db, role, oid);
    const sessionsLeft = await countSessions(db, role, oid);
    const roleLeft = (await db.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role])).rows.length > 0;
    if (errors.length > 0) throw errors[0];
    if (sessionsLeft > 0 || roleLeft) {
      throw new RevokeIncompleteError(`role ${role} ${roleLeft ? 'still exists' : 'is dropped'} and ${sessionsLeft} session(s) remain`);
    }
  });
}

/** True when the role is gone and no session of it (by name or oid) remains. */
export async function isRevoked(pool: pg.Pool, role: string, oid: string | undefined): Promise<boolean> {
  return withClient(pool, async (db) => {
    const roleLeft = (await db.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role])).rows.length > 0;
    return !roleLeft && (await countSessions(db, role, oid)) === 0;
  });
}
