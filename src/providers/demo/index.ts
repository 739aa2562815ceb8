import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type {
  GrantOutcome,
  ManagedGrant,
  Provider,
  ProviderDeps,
  ProviderFactory,
  ProviderRevokeInput,
  ProviderSchemas,
  StandingAccess,
} from '../../core/ports/provider.js';
import { ProviderError } from '../../core/ports/provider.js';

/**
 * The zero-setup default: issues a made-up credential for no real target and records the grant in
 * Keycard's own database (namespace `provider:demo`), so the whole request → grant → revoke flow can be
 * tried without touching any system. Only a SHA-256 fingerprint of the secret is stored.
 */
export const DEMO_NAMESPACE = 'provider:demo';

const demoLevelConfigSchema = z
  .object({
    note: z.string().max(500).optional().describe('Free-form text shown with the demo credential'),
    standing: z
      .array(z.string().min(1).max(200))
      .max(100)
      .optional()
      .describe('Made-up principals with standing access to this level, reported by keycard inventory (to try the rollout steps)'),
  })
  .strict();

export const demoSchemas: ProviderSchemas = {
  resourceConfig: z
    .object({
      revokeLatencyMs: z
        .number()
        .int()
        .min(0)
        .max(60_000)
        .optional()
        .describe(
          'How long the imaginary target takes to confirm a revoke, in milliseconds (to try and benchmark revocation timing); 0 by default',
        ),
    })
    .strict(),
  levelConfig: demoLevelConfigSchema,
  requiresConnection: false,
};

const recordSchema = z.object({
  grantId: z.string(),
  resource: z.string(),
  level: z.string(),
  requester: z.string(),
  username: z.string(),
  expiresAt: z.string(),
});

/** `kc_demo_<grantId>`, lower-cased, anything outside [a-z0-9_] replaced by `_`. */
export function demoUsername(grantId: string): string {
  return `kc_demo_${grantId.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
}

/** Creates the demo provider over Keycard's state store. */
export function createDemoProvider(deps: Pick<ProviderDeps, 'state' | 'log'>): Provider {
  const { state, log } = deps;

  const isGone = async (input: ProviderRevokeInput) => (await state.get(DEMO_NAMESPACE, input.grantId)) === undefined;

  return {
    kind: 'demo',
    async grant(input): Promise<GrantOutcome> {
      const username = demoUsername(input.grantId);
      const secret = randomBytes(18).toString('base64url');
      // put() replaces an existing record, so a retried grant after a crash leaves exactly one.
      await state.put(DEMO_NAMESPACE, input.grantId, {
        grantId: input.grantId,
        resource: input.resource,
        level: input.level,
        requester: input.requester,
        username,
        expiresAt: input.expiresAt.toISOString(),
        grantedAt: input.now.toISOString(),
        secretSha256: createHash('sha256').update(secret).digest('hex'),
      });
      log.info({ grantId: input.grantId, resource: input.resource }, 'demo grant recorded');
      const note = typeof input.levelConfig.note === 'string' ? ` (${input.levelConfig.note})` : '';
      const fields: Record<string, string> = { username, expiresAt: input.expiresAt.toISOString(), demo: 'true' };
      return {
        ref: { username },
        credential: {
          summary: `DEMO credential, not real access: user ${username} for ${input.resource} (${input.level})${note}, expires ${input.expiresAt.toISOString()}`,
          secret,
          fields,
        },
      };
    },
    async revoke(input) {
      const latency = input.resourceConfig.revokeLatencyMs;
      if (typeof latency === 'number' && latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
      // Absent is success: revoke is idempotent.
      const deleted = await state.delete(DEMO_NAMESPACE, input.grantId);
      log.info({ grantId: input.grantId, deleted }, 'demo grant revoked');
    },
    async list(input): Promise<ManagedGrant[]> {
      const rows = await state.list(DEMO_NAMESPACE);
      const grants: ManagedGrant[] = [];
      for (const row of rows) {
        const parsed = recordSchema.safeParse(row.value);
        if (!parsed.success || parsed.data.resource !== input.resource) continue;
        const { grantId, username, expiresAt } = parsed.data;
        grants.push({ grantId, ref: { username }, principal: username, expiresAt: new Date(expiresAt) });
      }
      return grants;
    },
    async extend(input) {
      const current = await state.get(DEMO_NAMESPACE, input.grantId);
      if (!recordSchema.safeParse(current).success) {
        throw new ProviderError('not_found', `demo grant ${input.grantId} no longer exists; it cannot be extended`, { retryable: false });
      }
      await state.put(DEMO_NAMESPACE, input.grantId, { ...(current as Record<string, unknown>), expiresAt: input.expiresAt.toISOString() });
      log.info({ grantId: input.grantId, expiresAt: input.expiresAt.toISOString() }, 'demo grant extended');
    },
    async terminateSessions() {
      // The demo credential opens nothing, so there is never a session to end.
      return 0;
    },
    verifyRevoked: isGone,
    async inventory(input): Promise<StandingAccess[]> {
      // The demo target is imaginary, so its standing access is whatever the policy says it is.
      return Object.entries(input.levels).flatMap(([level, config]) => {
        const parsed = demoLevelConfigSchema.safeParse(config);
        const names = parsed.success ? (parsed.data.standing ?? []) : [];
        return names.map((principal) => ({
          level,
          principal,
          via: 'standing demo access (levels.<level>.standing)',
          kind: 'user' as const,
        }));
      });
    },
    async close() {
      // Records live in Keycard's own store, which the composition root closes.
    },
  };
}

export const demoProvider: ProviderFactory = {
  kind: 'demo',
  description: 'Demo provider: issues a made-up credential for no real system (for trying Keycard out)',
  schemas: demoSchemas,
  create: (deps) => createDemoProvider(deps),
};
