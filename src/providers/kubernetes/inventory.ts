import type { RbacV1Subject } from '@kubernetes/client-node';
import type { ProviderListInput, StandingAccess } from '../../core/ports/provider.js';
import { type Binding, type BindingRef, describeBinding, listBindings } from './bindings.js';
import type { ClusterHandle } from './cluster.js';
import type { Step } from './grant.js';
import { isKeycards } from './names.js';
import { type KubernetesResourceConfig, kubernetesLevelConfigSchema } from './schemas.js';

type Listed = Array<{ ref: BindingRef; binding: Binding }>;

/**
 * Bindings to each level's Role/ClusterRole that Keycard did not make (no managed-by=keycard label):
 * RoleBindings in the level's namespace, and ClusterRoleBindings of its ClusterRole (which reach every
 * namespace). Only the level's own role counts; broader roles (cluster-admin, aggregated roles) and
 * RoleBindings of a cluster-wide level's ClusterRole in other namespaces are not looked for.
 */
export async function standingBindings(
  cluster: ClusterHandle,
  input: ProviderListInput,
  config: KubernetesResourceConfig,
  step: Step,
): Promise<StandingAccess[]> {
  // Each namespace and the cluster scope are listed once, however many levels share them.
  const lists = new Map<string, Promise<Listed>>();
  const list = (scope: { namespace: string } | 'cluster'): Promise<Listed> => {
    const key = scope === 'cluster' ? '' : scope.namespace;
    let listed = lists.get(key);
    if (!listed) {
      const what = scope === 'cluster' ? 'list ClusterRoleBindings' : `list RoleBindings in ${scope.namespace}`;
      listed = step(what, () => listBindings(cluster.rbac, scope));
      lists.set(key, listed);
    }
    return listed;
  };

  const found: StandingAccess[] = [];
  for (const [level, raw] of Object.entries(input.levels)) {
    const parsed = kubernetesLevelConfigSchema.safeParse(raw);
    if (!parsed.success) continue;
    const namespace = parsed.data.namespace ?? config.namespace;
    const roleRef =
      parsed.data.role !== undefined ? { kind: 'Role', name: parsed.data.role } : { kind: 'ClusterRole', name: parsed.data.clusterRole };
    const candidates: Listed = [];
    if (namespace !== undefined) candidates.push(...(await list({ namespace })));
    if (roleRef.kind === 'ClusterRole') candidates.push(...(await list('cluster')));
    for (const { ref, binding } of candidates) {
      if (isKeycards(binding.metadata?.labels)) continue;
      if (binding.roleRef.kind !== roleRef.kind || binding.roleRef.name !== roleRef.name) continue;
      for (const subject of binding.subjects ?? [])
        found.push({ level, ...principalOf(subject, config.subjectPrefix), via: describeBinding(ref) });
    }
  }
  return found;
}

/** The subject as people know it: the API server's prefix (e.g. "oidc:") removed, so it can match an email. */
function principalOf(subject: RbacV1Subject, prefix: string | undefined): Pick<StandingAccess, 'principal' | 'kind'> {
  if (subject.kind === 'ServiceAccount') {
    return { principal: `system:serviceaccount:${subject.namespace ?? '?'}:${subject.name}`, kind: 'serviceaccount' };
  }
  const name = prefix && subject.name.startsWith(prefix) ? subject.name.slice(prefix.length) : subject.name;
  return { principal: name, kind: subject.kind === 'Group' ? 'group' : 'user' };
}
