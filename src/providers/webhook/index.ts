import type {
  GrantOutcome,
  ManagedGrant,
  Provider,
  ProviderDeps,
  ProviderExtendInput,
  ProviderFactory,
  ProviderListInput,
  ProviderRevokeInput,
  StandingAccess,
} from '../../core/ports/provider.js';
import { ProviderError } from '../../core/ports/provider.js';
import { type HttpDeps, postSigned, type Sleep } from './http.js';
import {
  grantResponseSchema,
  inventoryResponseSchema,
  listResponseSchema,
  type WebhookResourceConfig,
  webhookResourceConfigSchema,
  webhookSchemas,
} from './schemas.js';

export { webhookSchemas } from './schemas.js';
export { verifyWebhookSignature } from './sign.js';

export interface WebhookProviderOptions {
  /** Backoff sleep; tests pass one that does not wait. */
  sleep?: Sleep;
  fetch?: typeof fetch;
}

type Scope = { resource: string; resourceConfig: Record<string, unknown>; connection?: string };

/** Delegates grants to your own HTTP endpoint with signed JSON POSTs; the contract is in README.md. */
export function createWebhookProvider(deps: Pick<ProviderDeps, 'log' | 'clock'>, options: WebhookProviderOptions = {}): Provider {
  const http: HttpDeps = {
    clock: deps.clock,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
  };

  const settings = (scope: Scope): WebhookResourceConfig & { secret: string } => {
    const parsed = webhookResourceConfigSchema.safeParse(scope.resourceConfig);
    if (!parsed.success)
      throw new ProviderError('invalid_config', `resource ${scope.resource}: invalid webhook config: ${parsed.error.message}`);
    if (!scope.connection) {
      throw new ProviderError('invalid_config', `resource ${scope.resource} needs connection: env:VAR holding the webhook signing secret`);
    }
    return { ...parsed.data, secret: scope.connection };
  };

  const post = (
    scope: Scope,
    action: 'grant' | 'revoke' | 'extend' | 'list' | 'inventory',
    body: Record<string, unknown>,
    alsoOk?: number[],
  ) => {
    const s = settings(scope);
    return postSigned({ url: s.url, secret: s.secret, action, body, timeoutMs: s.timeoutMs, retries: s.retries, alsoOk }, http);
  };

  const invalidResponse = (scope: Scope, action: string, detail: string) =>
    new ProviderError('unknown', `webhook for ${scope.resource} answered an invalid ${action} response: ${detail}`, { retryable: false });

  const list = async (input: ProviderListInput): Promise<ManagedGrant[]> => {
    const { json } = await post(input, 'list', { action: 'list', resource: input.resource, levels: input.levels });
    const parsed = listResponseSchema.safeParse(json);
    if (!parsed.success) throw invalidResponse(input, 'list', parsed.error.message);
    return parsed.data.grants.map((g) => ({
      grantId: g.grantId,
      ref: g.ref ?? {},
      ...(g.principal ? { principal: g.principal } : {}),
      ...(g.expiresAt ? { expiresAt: new Date(g.expiresAt) } : {}),
    }));
  };

  return {
    kind: 'webhook',
    async grant(input): Promise<GrantOutcome> {
      const { json } = await post(input, 'grant', {
        action: 'grant',
        grantId: input.grantId,
        requester: input.requester,
        resource: input.resource,
        level: input.level,
        levelConfig: input.levelConfig,
        expiresAt: input.expiresAt.toISOString(),
        requestedAt: input.now.toISOString(),
      });
      const parsed = grantResponseSchema.safeParse(json);
      if (!parsed.success) throw invalidResponse(input, 'grant', parsed.error.message);
      let ref = parsed.data.ref ?? {};
      const secret = parsed.data.credential?.secret;
      if (secret && JSON.stringify(ref).includes(secret)) {
        // The ref is stored and logged; a receiver that echoes the secret into it must not leak it.
        deps.log.warn({ grantId: input.grantId, resource: input.resource }, 'webhook ref contained the credential secret; ref dropped');
        ref = {};
      }
      deps.log.info({ grantId: input.grantId, resource: input.resource }, 'webhook grant accepted');
      return { ref, ...(parsed.data.credential ? { credential: parsed.data.credential } : {}) };
    },
    async revoke(input: ProviderRevokeInput) {
      const body = {
        action: 'revoke',
        grantId: input.grantId,
        requester: input.requester,
        resource: input.resource,
        level: input.level,
        levelConfig: input.levelConfig,
        ref: input.ref,
        requestedAt: input.now.toISOString(),
      };
      // 404 / 410: the receiver no longer has the grant, which is what revoke wants.
      const { status } = await post(input, 'revoke', body, [404, 410]);
      deps.log.info({ grantId: input.grantId, resource: input.resource, status }, 'webhook grant revoked');
    },
    async extend(input: ProviderExtendInput) {
      const body = {
        action: 'extend',
        grantId: input.grantId,
        requester: input.requester,
        resource: input.resource,
        level: input.level,
        levelConfig: input.levelConfig,
        ref: input.ref,
        expiresAt: input.expiresAt.toISOString(),
        requestedAt: input.now.toISOString(),
      };
      // 501: the receiver does not implement extend (the contract says so), so Keycard refuses the extension
      // instead of moving only its own record. 404: the grant is gone at the receiver.
      const { status } = await post(input, 'extend', body, [501]);
      if (status === 501) {
        throw new ProviderError(
          'unsupported',
          `webhook for ${input.resource} does not implement extend (answered 501); release the grant and request access again`,
          { retryable: false },
        );
      }
      deps.log.info({ grantId: input.grantId, resource: input.resource, expiresAt: body.expiresAt }, 'webhook grant extended');
    },
    async terminateSessions(input) {
      throw new ProviderError(
        'unsupported',
        `webhook for ${input.resource}: the contract has no session call; the receiver ends sessions as part of revoke`,
        { retryable: false },
      );
    },
    list,
    async inventory(input: ProviderListInput): Promise<StandingAccess[]> {
      // 404: the receiver does not implement the optional call (the contract says so), not a failure.
      const { status, json } = await post(
        input,
        'inventory',
        { action: 'inventory', resource: input.resource, levels: input.levels },
        [404],
      );
      if (status === 404) {
        throw new ProviderError('unsupported', `webhook for ${input.resource} does not implement inventory (answered 404)`, {
          retryable: false,
        });
      }
      const parsed = inventoryResponseSchema.safeParse(json);
      if (!parsed.success) throw invalidResponse(input, 'inventory', parsed.error.message);
      return parsed.data.standing.map((s) => ({ level: s.level, principal: s.principal, via: s.via, ...(s.kind ? { kind: s.kind } : {}) }));
    },
    async verifyRevoked(input) {
      const levels = { [input.level]: input.levelConfig };
      const grants = await list({ resource: input.resource, resourceConfig: input.resourceConfig, levels, connection: input.connection });
      return !grants.some((g) => g.grantId === input.grantId);
    },
    async close() {
      // Each call is one fetch; nothing stays open between calls.
    },
  };
}

export const webhookProvider: ProviderFactory = {
  kind: 'webhook',
  description: 'Webhook: signed JSON POSTs to your own endpoint, which grants and revokes',
  schemas: webhookSchemas,
  create: (deps) => createWebhookProvider(deps),
};
