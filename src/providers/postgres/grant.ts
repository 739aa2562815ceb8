import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { GrantOutcome, ProviderGrantInput } from '../../core/ports/provider.js';
import { ProviderError } from '../../core/ports/provider.js';
import { grantComment, parseGrantComment } from './comment.js';
import { type PgTarget, userConnectionString, withClient } from './connection.js';
import { roleNameFor } from './role-name.js';
import type { PostgresLevelConfig, PostgresResourceConfig } from './schemas.js';
import { scramSha256Verifier } from './scram.js';

const { escapeIdentifier: ident, escapeLiteral: literal } = pg;

export interface PgGrantContext {
  pool: pg.Pool;
  target: PgTarget;
  config: PostgresResourceConfig;
  level: PostgresLevelConfig;
}

/**
 * Creates (or, on a retried grant, refreshes) the login role and grants the level's group role, in one
 * transaction. The role is INHERIT so a plain `psql` session has the group's privileges without
 * SET ROLE; that also means a REVOKE takes effect on the session's next statement (with NOINHERIT +
 * SET ROLE a live session keeps the privileges after REVOKE), and revoke terminates sessions anyway.
 */
export async function grantRole(input: ProviderGrantInput, ctx: PgGrantContext): Promise<GrantOutcome> {
  const role = roleNameFor(input.requester, input.grantId);
  const password = randomBytes(24).toString('base64url');
  const until = input.expiresAt.toISOString();
  const login =
    `LOGIN INHERIT CONNECTION LIMIT ${ctx.config.connectionLimit} ` +
    // A client-side SCRAM verifier: the plaintext never appears in SQL text or server logs.
    `PASSWORD ${literal(scramSha256Verifier(password))} VALID UNTIL ${literal(until)}`;

  const oid = await withClient(ctx.pool, async (client) => {
    await client.query('BEGIN');
    try {
      const existing = await client.query<{ comment: string | null }>(
        `SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1`,
        [role],
      );
      if (existing.rows.length === 0) {
        await client.query(`CREATE ROLE ${ident(role)} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION ${login}`);
      } else if (parseGrantComment(existing.rows[0]?.comment)?.grantId === input.grantId) {
        // A retry after a crash between grant and record: refresh the same role rather than fail.
        // (Only login attributes: a non-superuser admin may not restate NOSUPERUSER and the like.)
        await client.query(`ALTER ROLE ${ident(role)} ${login}`);
      } else {
        throw new ProviderError(
          'conflict',
          `role ${role} already exists and is not Keycard's grant ${input.grantId}; refusing to touch it`,
        );
      }
      await client.query(`COMMENT ON ROLE ${ident(role)} IS ${literal(grantComment(input.grantId, input.expiresAt, input.resource))}`);
      await client.query(`GRANT ${ident(ctx.level.role)} TO ${ident(role)}`);
      const created = await client.query<{ oid: string }>(`SELECT oid::text AS oid FROM pg_roles WHERE rolname = $1`, [role]);
      await client.query('COMMIT');
      return created.rows[0]?.oid;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });

  const { target } = ctx;
  const sslmode = target.params.get('sslmode');
  return {
    ref: { role, server: target.label, ...(oid ? { oid } : {}) },
    credential: {
      summary:
        `Postgres login role ${role} on ${input.resource} (database ${target.database} at ${target.host}:${target.port}), ` +
        `level ${input.level} via group ${ctx.level.role}, valid until ${until}. The secret is a connection string: psql "<secret>"`,
      secret: userConnectionString(target, role, password),
      fields: {
        username: role,
        host: target.host,
        port: target.port,
        database: target.database,
        groupRole: ctx.level.role,
        expiresAt: until,
        ...(sslmode ? { sslmode } : {}),
      },
    },
  };
}
