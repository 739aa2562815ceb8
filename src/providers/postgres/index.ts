import type {
  ManagedGrant,
  Provider,
  ProviderDeps,
  ProviderFactory,
  ProviderGrantInput,
  ProviderListInput,
  ProviderRevokeInput,
  StandingAccess,
} from '../../core/ports/provider.js';
import { ProviderError } from '../../core/ports/provider.js';
import { createPoolCache, parseAdminUrl, withClient } from './connection.js';
import { type PgErrorContext, toProviderError } from './errors.js';
import { extendRole } from './extend.js';
import { grantRole } from './grant.js';
import { standingAccess } from './inventory.js';
import { listRoles, type PgSession, roleActivity } from './list.js';
import { isRevoked, RevokeIncompleteError, revokeRole, terminateSessions } from './revoke.js';
import { ROLE_NAME_RE, roleNameFor } from './role-name.js';
import { type PostgresResourceConfig, postgresLevelConfigSchema, postgresResourceConfigSchema, postgresSchemas } from './schemas.js';

export type { PgSession } from './list.js';
export { postgresSchemas } from './schemas.js';

/** The Postgres provider plus its `activity` capability (not yet part of the Provider port). */
export interface PostgresProvider extends Provider {
  terminateSessions(input: ProviderRevokeInput): Promise<number>;
  verifyRevoked(input: ProviderRevokeInput): Promise<boolean>;
  inventory(input: ProviderListInput): Promise<StandingAccess[]>;
  /** Current sessions and statements of the grant's role, from pg_stat_activity. */
  activity(input: ProviderRevokeInput): Promise<PgSession[]>;
  close(): Promise<void>;
}

type Scope = { resource: string; resourceConfig: Record<string, unknown>; connection?: string };

/** Temporary Postgres login roles that inherit a level's group role; see README.md for the admin setup. */
export function createPostgresProvider(deps: Pick<ProviderDeps, 'log'>): PostgresProvider {
  const { log } = deps;
  const pools = createPoolCache();

  const open = (scope: Scope) => {
    const parsed = postgresResourceConfigSchema.safeParse(scope.resourceConfig);
    if (!parsed.success)
      throw new ProviderError('invalid_config', `resource ${scope.resource}: invalid postgres config: ${parsed.error.message}`);
    const config: PostgresResourceConfig = parsed.data;
    const target = parseAdminUrl(scope.connection, scope.resource);
    return { config, target, pool: pools.get(scope.connection!, config) };
  };

  /** Runs `fn` and maps whatever it throws; `label` is filled in once the target is known. */
  const run = async <T>(ctx: Omit<PgErrorContext, 'target'>, scope: Scope, fn: (o: ReturnType<typeof open>) => Promise<T>): Promise<T> => {
    let target = 'unknown server';
    try {
      const opened = open(scope);
      target = opened.target.label;
      return await fn(opened);
    } catch (err) {
      if (err instanceof RevokeIncompleteError) {
        throw new ProviderError('unavailable', `postgres ${target} (revoke on ${ctx.resource}): ${err.message}`, { cause: err });
      }
      throw toProviderError(err, { ...ctx, target });
    }
  };

  const roleOf = (input: ProviderRevokeInput) => {
    const fromRef = input.ref?.role;
    const role = typeof fromRef === 'string' ? fromRef : roleNameFor(input.requester, input.grantId);
    if (!ROLE_NAME_RE.test(role)) {
      throw new ProviderError(
        'invalid_config',
        `grant ${input.grantId}: its ref names a role that is not Keycard-managed; refusing to touch it`,
      );
    }
    const oid = typeof input.ref?.oid === 'string' ? input.ref.oid : undefined;
    return { role, oid };
  };

  return {
    kind: 'postgres',
    async grant(input: ProviderGrantInput) {
      const level = postgresLevelConfigSchema.safeParse(input.levelConfig);
      if (!level.success) {
        throw new ProviderError(
          'invalid_config',
          `resource ${input.resource} level ${input.level}: needs role: <group role> (${level.error.message})`,
        );
      }
      const ctx = { action: 'grant', resource: input.resource, level: input.level, groupRole: level.data.role } as const;
      return run(ctx, input, async ({ config, target, pool }) => {
        const outcome = await grantRole(input, { pool, target, config, level: level.data });
        log.info({ grantId: input.grantId, resource: input.resource, role: outcome.ref.role }, 'postgres role granted');
        return outcome;
      });
    },
    async revoke(input) {
      const { role, oid } = roleOf(input);
      await run({ action: 'revoke', resource: input.resource }, input, async ({ config, pool }) => {
        await revokeRole(pool, { role, grantId: input.grantId, oid, dropOwned: config.dropOwned });
        log.info({ grantId: input.grantId, resource: input.resource, role }, 'postgres role revoked');
      });
    },
    async extend(input) {
      const { role } = roleOf(input);
      await run({ action: 'extend', resource: input.resource }, input, async ({ pool }) => {
        await extendRole(pool, { role, grantId: input.grantId, resource: input.resource, expiresAt: input.expiresAt });
        log.info(
          { grantId: input.grantId, resource: input.resource, role, expiresAt: input.expiresAt.toISOString() },
          'postgres role extended',
        );
      });
    },
    async list(input: ProviderListInput): Promise<ManagedGrant[]> {
      return run({ action: 'list', resource: input.resource }, input, ({ pool, target }) =>
        listRoles(pool, input.resource, target.label, input.levels),
      );
    },
    async inventory(input: ProviderListInput) {
      return run({ action: 'inventory', resource: input.resource }, input, ({ pool }) => standingAccess(pool, input.levels));
    },
    async terminateSessions(input) {
      const { role, oid } = roleOf(input);
      return run({ action: 'revoke', resource: input.resource }, input, async ({ pool }) => {
        const count = await withClient(pool, (db) => terminateSessions(db, role, oid));
        log.info({ grantId: input.grantId, resource: input.resource, role, count }, 'postgres sessions terminated');
        return count;
      });
    },
    async verifyRevoked(input) {
      const { role, oid } = roleOf(input);
      return run({ action: 'revoke', resource: input.resource }, input, ({ pool }) => isRevoked(pool, role, oid));
    },
    async activity(input) {
      const { role } = roleOf(input);
      return run({ action: 'activity', resource: input.resource }, input, ({ pool }) => roleActivity(pool, role));
    },
    close: () => pools.closeAll(),
  };
}

export const postgresProvider: ProviderFactory = {
  kind: 'postgres',
  description: 'PostgreSQL: a temporary LOGIN role (VALID UNTIL the expiry) that inherits the level’s group role',
  schemas: postgresSchemas,
  create: (deps) => createPostgresProvider(deps),
};
