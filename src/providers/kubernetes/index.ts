import type {
  GrantOutcome,
  ManagedGrant,
  Provider,
  ProviderDeps,
  ProviderFactory,
  ProviderGrantInput,
  ProviderListInput,
  ProviderRevokeInput,
} from '../../core/ports/provider.js';
import { ProviderError } from '../../core/ports/provider.js';
import { type ClusterHandle, createClusterCache } from './cluster.js';
import { type K8sErrorContext, toProviderError } from './errors.js';
import { grantAccess, type Step } from './grant.js';
import { standingBindings } from './inventory.js';
import { listGrants } from './list.js';
import { type GrantPlan, planFor, targetsFromRef } from './plan.js';
import { extendExpiry, isRevoked, revokeAccess } from './revoke.js';
import {
  type KubernetesLevelConfig,
  type KubernetesResourceConfig,
  kubernetesLevelConfigSchema,
  kubernetesResourceConfigSchema,
  kubernetesSchemas,
} from './schemas.js';

export { objectNameFor } from './names.js';
export type { KubernetesRef } from './plan.js';
export type { KubernetesLevelConfig, KubernetesResourceConfig } from './schemas.js';
export { kubernetesSchemas } from './schemas.js';

export interface KubernetesProviderOptions {
  /** Where the pod's service account token and CA are mounted (default /var/run/secrets/kubernetes.io/serviceaccount). */
  serviceAccountDir?: string;
}

type Scope = { resource: string; resourceConfig: Record<string, unknown> };

/** Temporary RoleBindings/ClusterRoleBindings (optionally a per-grant ServiceAccount token); see README.md. */
export function createKubernetesProvider(deps: Pick<ProviderDeps, 'log' | 'env'>, options: KubernetesProviderOptions = {}): Provider {
  const { log } = deps;
  const clusters = createClusterCache({
    env: deps.env,
    ...(options.serviceAccountDir ? { serviceAccountDir: options.serviceAccountDir } : {}),
  });

  const resourceConfig = (scope: Scope): KubernetesResourceConfig => {
    const parsed = kubernetesResourceConfigSchema.safeParse(scope.resourceConfig);
    if (!parsed.success) {
      throw new ProviderError('invalid_config', `resource ${scope.resource}: invalid kubernetes config: ${parsed.error.message}`);
    }
    return parsed.data;
  };
  const levelConfig = (input: { resource: string; level: string; levelConfig: Record<string, unknown> }): KubernetesLevelConfig => {
    const parsed = kubernetesLevelConfigSchema.safeParse(input.levelConfig);
    if (!parsed.success) {
      throw new ProviderError(
        'invalid_config',
        `resource ${input.resource} level ${input.level}: needs role or clusterRole (${parsed.error.message})`,
      );
    }
    return parsed.data;
  };

  /** Opens the cluster and runs `fn` with a step runner that maps errors with the server and step named. */
  const run = async <T>(
    action: K8sErrorContext['action'],
    scope: Scope,
    fn: (ctx: { cluster: ClusterHandle; config: KubernetesResourceConfig; step: Step }) => Promise<T>,
  ): Promise<T> => {
    const config = resourceConfig(scope);
    const cluster = clusters.get(scope.resource, config);
    const base = { action, resource: scope.resource, server: cluster.label };
    const step: Step = async (name, body) => {
      try {
        return await body();
      } catch (err) {
        throw toProviderError(err, { ...base, step: name });
      }
    };
    try {
      return await fn({ cluster, config, step });
    } catch (err) {
      throw toProviderError(err, base);
    }
  };

  /** The objects a grant made: from its ref, or (ref lost) recomputed from the grant id and the policy. */
  const targetsOf = (input: ProviderRevokeInput, config: KubernetesResourceConfig): Pick<GrantPlan, 'binding' | 'serviceAccount'> =>
    input.ref ? targetsFromRef(input.ref, input.grantId) : planFor(input.grantId, input.resource, config, levelConfig(input));

  return {
    kind: 'kubernetes',
    async grant(input: ProviderGrantInput): Promise<GrantOutcome> {
      const level = levelConfig(input);
      return run('grant', input, async ({ cluster, config, step }) => {
        const plan = planFor(input.grantId, input.resource, config, level);
        const outcome = await grantAccess(input, { cluster, plan, config, level, step });
        log.info(
          { grantId: input.grantId, resource: input.resource, binding: plan.binding.name, kind: plan.binding.kind },
          'kubernetes grant created',
        );
        return outcome;
      });
    },
    async revoke(input) {
      await run('revoke', input, async ({ cluster, config, step }) => {
        const { deleted } = await revokeAccess(cluster, targetsOf(input, config), input.grantId, step);
        log.info({ grantId: input.grantId, resource: input.resource, deleted }, 'kubernetes grant revoked');
      });
    },
    async list(input: ProviderListInput): Promise<ManagedGrant[]> {
      return run('list', input, ({ cluster, config, step }) => listGrants(cluster, input, config, step));
    },
    async inventory(input: ProviderListInput) {
      return run('inventory', input, ({ cluster, config, step }) => standingBindings(cluster, input, config, step));
    },
    async verifyRevoked(input) {
      return run('revoke', input, ({ cluster, config, step }) => isRevoked(cluster, targetsOf(input, config), step));
    },
    async extend(input) {
      await run('extend', input, async ({ cluster, config, step }) => {
        await extendExpiry(cluster, targetsOf(input, config), input.grantId, input.expiresAt, step);
        log.info(
          { grantId: input.grantId, resource: input.resource, expiresAt: input.expiresAt.toISOString() },
          'kubernetes grant extended',
        );
      });
    },
    async terminateSessions(input) {
      // RBAC is checked on every API request, so deleting the binding already stops the next call; the
      // API server offers no way to cut a stream (exec, port-forward) that is already open.
      throw new ProviderError(
        'unsupported',
        `kubernetes (${input.resource}): open exec/attach/port-forward streams cannot be ended through the API; revoking the binding stops every new request`,
        { retryable: false },
      );
    },
    async close() {
      // The cluster cache holds plain clients over fetch: no sockets or timers to release.
    },
  };
}

export const kubernetesProvider: ProviderFactory = {
  kind: 'kubernetes',
  description: 'Kubernetes: a RoleBinding/ClusterRoleBinding for the requester, or a per-grant ServiceAccount with an expiring token',
  schemas: kubernetesSchemas,
  create: (deps) => createKubernetesProvider(deps),
};
