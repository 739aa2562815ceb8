import pg from 'pg';
import { ProviderError } from '../../core/ports/provider.js';
import { grantComment, parseGrantComment } from './comment.js';
import { withClient } from './connection.js';
import { assertManagedRoleName } from './role-name.js';

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

export interface ExtendTarget {
  role: string;
  grantId: string;
  resource: string;
  expiresAt: Date;
}

/**
 * Moves the login role's VALID UNTIL (and the comment that carries the expiry for `list`) to the new
 * expiry, in one transaction at the target, after checking under a row lock that the role is still this
 * grant's. A role that is gone cannot be extended: that is `not_found`, never a silent success.
 */
export async function extendRole(pool: pg.Pool, target: ExtendTarget): Promise<void> {
  assertManagedRoleName(target.role);
  const id = ident(target.role);
  await withClient(pool, async (db) => {
    await db.query('BEGIN');
    try {
      const found = await db.query<{ comment: string | null; login: boolean }>(
        `SELECT shobj_description(oid, 'pg_authid') AS comment, rolcanlogin AS login FROM pg_roles WHERE rolname = $1`,
        [target.role],
      );
      const row = found.rows[0];
      if (!row) {
        throw new ProviderError('not_found', `role ${target.role} of grant ${target.grantId} no longer exists; it cannot be extended`, {
          retryable: false,
        });
      }
      if (parseGrantComment(row.comment)?.grantId !== target.grantId) {
        throw new ProviderError(
          'conflict',
          `role ${target.role} is not labelled as Keycard grant ${target.grantId}; refusing to extend it`,
          { retryable: false },
        );
      }
      if (!row.login) {
        // Revocation already started (NOLOGIN is its first step): extending would re-open a closing door.
        throw new ProviderError('conflict', `role ${target.role} is being revoked; it cannot be extended`, { retryable: false });
      }
      const until = target.expiresAt.toISOString();
      await db.query(`ALTER ROLE ${id} VALID UNTIL ${literal(until)}`);
      await db.query(`COMMENT ON ROLE ${id} IS ${literal(grantComment(target.grantId, target.expiresAt, target.resource))}`);
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}
