import type { ManagedGrant, ProviderListInput } from '../../core/ports/provider.js';
import { type Binding, type BindingRef, listBindings } from './bindings.js';
import type { ClusterHandle } from './cluster.js';
import type { Step } from './grant.js';
import { ANNOTATION, isKeycards, labelSafe, OBJECT_NAME_RE, RESOURCE_LABEL, selectorFor } from './names.js';
import { type KubernetesRef, refOf } from './plan.js';
import { type KubernetesResourceConfig, kubernetesLevelConfigSchema } from './schemas.js';

/**
 * Where a resource's grants can live: every namespace its levels (or the resource) name, plus
 * cluster-wide when some level binds without a namespace. Keycard lists only there, so its own
 * service account needs no cluster-wide list permission for namespaced resources.
 */
export function scopesOf(input: ProviderListInput, config: KubernetesResourceConfig): { namespaces: string[]; cluster: boolean } {
  const namespaces = new Set<string>();
  let cluster = false;
  if (config.namespace) namespaces.add(config.namespace);
  for (const raw of Object.values(input.levels)) {
    const level = kubernetesLevelConfigSchema.safeParse(raw);
    if (!level.success) continue;
    const namespace = level.data.namespace ?? config.namespace;
    if (namespace) namespaces.add(namespace);
    else cluster = true;
  }
  return { namespaces: [...namespaces].sort(), cluster };
}

/** Keycard's bindings for one resource, found by label selector and checked again client-side. */
export async function listGrants(
  cluster: ClusterHandle,
  input: ProviderListInput,
  config: KubernetesResourceConfig,
  step: Step,
): Promise<ManagedGrant[]> {
  const selector = selectorFor(input.resource);
  const scopes = scopesOf(input, config);
  const found = await Promise.all([
    ...scopes.namespaces.map((namespace) =>
      step(`list RoleBindings in ${namespace}`, () => listBindings(cluster.rbac, { namespace }, selector)),
    ),
    ...(scopes.cluster ? [step('list ClusterRoleBindings', () => listBindings(cluster.rbac, 'cluster', selector))] : []),
  ]);
  const grants: ManagedGrant[] = [];
  for (const { ref, binding } of found.flat()) {
    const grant = toManagedGrant(ref, binding, input.resource);
    if (grant) grants.push(grant);
  }
  return grants;
}

/** Maps one binding; undefined for anything not Keycard's for this resource (an API server ignoring the selector included). */
function toManagedGrant(ref: BindingRef, binding: Binding, resource: string): ManagedGrant | undefined {
  const labels = binding.metadata?.labels;
  const annotations = binding.metadata?.annotations ?? {};
  const grantId = annotations[ANNOTATION.grantId];
  if (!isKeycards(labels) || labels?.[RESOURCE_LABEL] !== labelSafe(resource) || !grantId || !isKeycards(labels, grantId)) return undefined;
  if (!OBJECT_NAME_RE.test(ref.name)) return undefined;
  const subject = binding.subjects?.[0];
  const serviceAccount =
    subject?.kind === 'ServiceAccount' && subject.namespace && OBJECT_NAME_RE.test(subject.name)
      ? { name: subject.name, namespace: subject.namespace }
      : undefined;
  const outRef: KubernetesRef = refOf({ binding: ref, ...(serviceAccount ? { serviceAccount } : {}) });
  const expiry = annotations[ANNOTATION.expiresAt];
  const expiresAt = expiry ? new Date(expiry) : undefined;
  const principal = annotations[ANNOTATION.requester] ?? subject?.name;
  return {
    grantId,
    ref: outRef,
    ...(principal ? { principal } : {}),
    ...(expiresAt && !Number.isNaN(expiresAt.getTime()) ? { expiresAt } : {}),
  };
}
