import { SSOAdminClient, type SSOAdminClientConfig } from '@aws-sdk/client-sso-admin';
import type { GrantOutcome, ManagedGrant, Provider, ProviderDeps, ProviderFactory, ProviderListInput } from '../../core/ports/provider.js';
import { ProviderError } from '../../core/ports/provider.js';
import { isAssigned, type PollOptions } from './assignments.js';
import { type AwsErrorContext, toProviderError } from './errors.js';
import { type AssignmentContext, ensureAssignment } from './grant.js';
import { resolvePrincipalId } from './identity-store.js';
import { standingAssignments } from './inventory.js';
import { listAssignments } from './list.js';
import { createRecords, refOf } from './records.js';
import { assignmentOf, removeAssignment } from './revoke.js';
import {
  type AwsSsoLevelConfig,
  type AwsSsoResourceConfig,
  awsSsoLevelConfigSchema,
  awsSsoResourceConfigSchema,
  awsSsoSchemas,
} from './schemas.js';

export { AWS_SSO_NAMESPACE } from './records.js';
export type { AwsSsoLevelConfig, AwsSsoResourceConfig } from './schemas.js';
export { awsSsoSchemas } from './schemas.js';

export interface AwsSsoProviderOptions {
  /** Extra SSO Admin client settings (tests pass dummy credentials and maxAttempts: 1). */
  clientConfig?: SSOAdminClientConfig;
  /** Wait between status polls; tests pass one that returns at once. */
  sleep?: (ms: number) => Promise<void>;
  /** Poll interval (default 2 s) and the longest wait for one create/delete (default 120 s). */
  pollIntervalMs?: number;
  maxWaitMs?: number;
}

type Scope = { resource: string; resourceConfig: Record<string, unknown> };

/** IAM Identity Center account assignments for a level's permission set; see README.md. */
export function createAwsSsoProvider(deps: Pick<ProviderDeps, 'state' | 'log'>, options: AwsSsoProviderOptions = {}): Provider {
  const { log } = deps;
  const records = createRecords(deps.state);
  const poll: PollOptions = {
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    intervalMs: options.pollIntervalMs ?? 2_000,
    maxWaitMs: options.maxWaitMs ?? 120_000,
  };
  const clients = new Map<string, SSOAdminClient>();
  const clientFor = (config: AwsSsoResourceConfig): SSOAdminClient => {
    const key = `${config.region}|${config.endpoint ?? ''}`;
    let client = clients.get(key);
    if (!client) {
      client = new SSOAdminClient({
        ...options.clientConfig,
        region: config.region,
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      });
      clients.set(key, client);
    }
    return client;
  };

  const resourceConfig = (scope: Scope): AwsSsoResourceConfig => {
    const parsed = awsSsoResourceConfigSchema.safeParse(scope.resourceConfig);
    if (!parsed.success)
      throw new ProviderError('invalid_config', `resource ${scope.resource}: invalid aws-sso config: ${parsed.error.message}`);
    return parsed.data;
  };
  const levelConfig = (input: { resource: string; level: string; levelConfig: Record<string, unknown> }): AwsSsoLevelConfig => {
    const parsed = awsSsoLevelConfigSchema.safeParse(input.levelConfig);
    if (!parsed.success) {
      throw new ProviderError(
        'invalid_config',
        `resource ${input.resource} level ${input.level}: needs permissionSetArn (${parsed.error.message})`,
      );
    }
    return parsed.data;
  };

  /** Opens the client and runs `fn` with a call wrapper that maps each operation's errors. */
  const run = async <T>(
    action: AwsErrorContext['action'],
    scope: Scope,
    fn: (ctx: AssignmentContext & { config: AwsSsoResourceConfig }) => Promise<T>,
  ): Promise<T> => {
    const config = resourceConfig(scope);
    const base = { action, resource: scope.resource, region: config.region };
    const call: AssignmentContext['call'] = async (operation, body) => {
      try {
        return await body();
      } catch (err) {
        throw toProviderError(err, { ...base, operation });
      }
    };
    return fn({
      client: clientFor(config),
      records,
      poll,
      call,
      config,
      where: `aws-sso ${config.region} (${action} on ${scope.resource})`,
    });
  };

  return {
    kind: 'aws-sso',
    async grant(input): Promise<GrantOutcome> {
      const level = levelConfig(input);
      return run('grant', input, async (ctx) => {
        const accountId = level.accountId ?? ctx.config.accountId;
        if (!accountId) {
          throw new ProviderError(
            'invalid_config',
            `resource ${input.resource} level ${input.level}: set accountId on the level or the resource`,
          );
        }
        const principalId = await ctx.call('GetUserId', () => resolvePrincipalId(ctx.client, ctx.config, input.requester));
        const target = { instanceArn: ctx.config.instanceArn, accountId, permissionSetArn: level.permissionSetArn, principalId };
        await ensureAssignment(input, target, ctx);
        log.info({ grantId: input.grantId, resource: input.resource, accountId }, 'aws-sso assignment created');
        return { ref: refOf(target) };
      });
    },
    async revoke(input) {
      await run('revoke', input, async (ctx) => {
        const result = await removeAssignment(input, ctx);
        log.info({ grantId: input.grantId, resource: input.resource, result }, 'aws-sso assignment revoked');
      });
    },
    async list(input: ProviderListInput): Promise<ManagedGrant[]> {
      return run('list', input, (ctx) => listAssignments(input.resource, ctx));
    },
    async inventory(input: ProviderListInput) {
      return run('inventory', input, (ctx) => standingAssignments(input, ctx.config, ctx));
    },
    async verifyRevoked(input) {
      return run('revoke', input, async (ctx) => {
        const { record, target } = await assignmentOf(input, ctx);
        if (!target || !(await isAssigned(ctx.client, target, ctx.call))) return true;
        // Still assigned: fine only if this grant's record is gone and another live Keycard grant holds it.
        return !record && (await records.otherHolders(target, input.grantId, input.now)).length > 0;
      });
    },
    async extend(input) {
      // Assignments have no expiry at AWS; the record's expiry decides whether a shared assignment is still held.
      const record = await records.get(input.grantId);
      if (!record)
        throw new ProviderError('not_found', `aws-sso grant ${input.grantId} has no assignment record; it cannot be extended`, {
          retryable: false,
        });
      await records.put({ ...record, expiresAt: input.expiresAt.toISOString() });
    },
    async terminateSessions(input) {
      // Identity Center cannot end role sessions already issued (README: "Sessions already issued keep working").
      throw new ProviderError(
        'unsupported',
        `aws-sso (${input.resource}): role sessions already issued cannot be ended through Identity Center; they last up to the permission set's session duration (use IAM "Revoke active sessions" for an emergency cut-off)`,
        { retryable: false },
      );
    },
    async close() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}

export const awsSsoProvider: ProviderFactory = {
  kind: 'aws-sso',
  description: 'AWS IAM Identity Center: an account assignment of the level’s permission set to the requester',
  schemas: awsSsoSchemas,
  create: (deps) => createAwsSsoProvider(deps),
};
