import type { RbacAuthorizationV1Api, V1RoleBinding } from '@kubernetes/client-node';
import { isApiStatus } from './errors.js';

/** Where a grant's binding lives; stored as the grant's ref (names only, never a token). */
export type BindingRef = { kind: 'RoleBinding'; name: string; namespace: string } | { kind: 'ClusterRoleBinding'; name: string };

/** RoleBinding and ClusterRoleBinding have the same shape (a ClusterRoleBinding just has no namespace). */
export type Binding = V1RoleBinding;

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export function describeBinding(ref: BindingRef): string {
  return ref.kind === 'RoleBinding' ? `RoleBinding ${ref.namespace}/${ref.name}` : `ClusterRoleBinding ${ref.name}`;
}

/** The binding, or undefined when the API server answers 404. */
export async function readBinding(rbac: RbacAuthorizationV1Api, ref: BindingRef): Promise<Binding | undefined> {
  try {
    return ref.kind === 'RoleBinding'
      ? await rbac.readNamespacedRoleBinding({ name: ref.name, namespace: ref.namespace })
      : await rbac.readClusterRoleBinding({ name: ref.name });
  } catch (err) {
    if (isApiStatus(err, 404)) return undefined;
    throw err;
  }
}

export async function createBinding(rbac: RbacAuthorizationV1Api, ref: BindingRef, body: Binding): Promise<void> {
  if (ref.kind === 'RoleBinding') await rbac.createNamespacedRoleBinding({ namespace: ref.namespace, body });
  else await rbac.createClusterRoleBinding({ body });
}

/** Deletes the binding; false when it was already gone (404), which revoke counts as success. */
export async function deleteBinding(rbac: RbacAuthorizationV1Api, ref: BindingRef, uid?: string): Promise<boolean> {
  // The uid precondition makes sure we delete the object we inspected, not a same-named successor.
  const body = uid ? { preconditions: { uid } } : {};
  try {
    if (ref.kind === 'RoleBinding') await rbac.deleteNamespacedRoleBinding({ name: ref.name, namespace: ref.namespace, body });
    else await rbac.deleteClusterRoleBinding({ name: ref.name, body });
    return true;
  } catch (err) {
    if (isApiStatus(err, 404)) return false;
    throw err;
  }
}

/** Writes `body` over the existing binding (same roleRef only: the API server refuses to change it). */
export async function replaceBinding(rbac: RbacAuthorizationV1Api, ref: BindingRef, body: Binding): Promise<void> {
  if (ref.kind === 'RoleBinding') await rbac.replaceNamespacedRoleBinding({ name: ref.name, namespace: ref.namespace, body });
  else await rbac.replaceClusterRoleBinding({ name: ref.name, body });
}

/** Bindings matching `labelSelector` (all of them without one), in one namespace or cluster-wide (ClusterRoleBindings). */
export async function listBindings(
  rbac: RbacAuthorizationV1Api,
  scope: { namespace: string } | 'cluster',
  labelSelector?: string,
): Promise<Array<{ ref: BindingRef; binding: Binding }>> {
  if (scope === 'cluster') {
    const list = await rbac.listClusterRoleBinding(labelSelector === undefined ? {} : { labelSelector });
    return list.items.map((binding) => ({ ref: { kind: 'ClusterRoleBinding', name: binding.metadata?.name ?? '' }, binding }));
  }
  const list = await rbac.listNamespacedRoleBinding({
    namespace: scope.namespace,
    ...(labelSelector === undefined ? {} : { labelSelector }),
  });
  return list.items.map((binding) => ({
    ref: { kind: 'RoleBinding', name: binding.metadata?.name ?? '', namespace: binding.metadata?.namespace ?? scope.namespace },
    binding,
  }));
}
