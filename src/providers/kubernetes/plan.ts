import { z } from 'zod';
import { ProviderError } from '../../core/ports/provider.js';
import type { BindingRef } from './bindings.js';
import { OBJECT_NAME_RE, objectNameFor } from './names.js';
import type { KubernetesLevelConfig, KubernetesResourceConfig } from './schemas.js';
import type { ServiceAccountRef } from './service-account.js';

/** What a grant creates at the cluster: one binding, and for token levels one ServiceAccount. */
export interface GrantPlan {
  binding: BindingRef;
  roleRef: { kind: 'Role' | 'ClusterRole'; name: string };
  serviceAccount?: ServiceAccountRef;
}

/** Works out names and scope from the grant id and the policy; the same inputs always give the same plan. */
export function planFor(grantId: string, resource: string, config: KubernetesResourceConfig, level: KubernetesLevelConfig): GrantPlan {
  const name = objectNameFor(grantId);
  const namespace = level.namespace ?? config.namespace;
  const roleRef =
    level.role !== undefined
      ? { kind: 'Role' as const, name: level.role }
      : { kind: 'ClusterRole' as const, name: level.clusterRole ?? '' };
  if (roleRef.kind === 'Role' && namespace === undefined) {
    throw new ProviderError(
      'invalid_config',
      `resource ${resource}: role ${roleRef.name} is namespaced; set namespace on the level or the resource`,
    );
  }
  const binding: BindingRef = namespace === undefined ? { kind: 'ClusterRoleBinding', name } : { kind: 'RoleBinding', name, namespace };
  if (!level.serviceAccountToken) return { binding, roleRef };
  const saNamespace = namespace ?? config.serviceAccountNamespace;
  if (saNamespace === undefined) {
    throw new ProviderError(
      'invalid_config',
      `resource ${resource}: a cluster-wide serviceAccountToken level needs config.serviceAccountNamespace (where Keycard creates the ServiceAccount)`,
    );
  }
  return { binding, roleRef, serviceAccount: { name, namespace: saNamespace } };
}

const objectName = z.string().regex(OBJECT_NAME_RE);
const namespaceName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);

/** The ref a grant hands out: names only. Anything not named `keycard-…` is refused. */
export const kubernetesRefSchema = z.object({
  kind: z.enum(['RoleBinding', 'ClusterRoleBinding']),
  name: objectName,
  namespace: namespaceName.optional(),
  serviceAccount: z.object({ name: objectName, namespace: namespaceName }).optional(),
});

export type KubernetesRef = z.output<typeof kubernetesRefSchema>;

export function refOf(plan: Pick<GrantPlan, 'binding' | 'serviceAccount'>): KubernetesRef {
  return {
    ...plan.binding,
    ...(plan.serviceAccount ? { serviceAccount: { name: plan.serviceAccount.name, namespace: plan.serviceAccount.namespace } } : {}),
  };
}

/** The binding and ServiceAccount named by a stored ref; refuses refs that do not point at Keycard objects. */
export function targetsFromRef(ref: Record<string, unknown>, grantId: string): Pick<GrantPlan, 'binding' | 'serviceAccount'> {
  const parsed = kubernetesRefSchema.safeParse(ref);
  if (!parsed.success || (parsed.data.kind === 'RoleBinding' && parsed.data.namespace === undefined)) {
    throw new ProviderError('invalid_config', `grant ${grantId}: its ref does not name a Keycard-managed binding; refusing to touch it`, {
      retryable: false,
    });
  }
  const { kind, name, namespace, serviceAccount } = parsed.data;
  const binding: BindingRef = kind === 'RoleBinding' ? { kind, name, namespace: namespace ?? '' } : { kind, name };
  return { binding, ...(serviceAccount ? { serviceAccount } : {}) };
}
