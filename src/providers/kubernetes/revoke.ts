import { ProviderError } from '../../core/ports/provider.js';
import { deleteBinding, describeBinding, readBinding, replaceBinding } from './bindings.js';
import type { ClusterHandle } from './cluster.js';
import { isApiStatus } from './errors.js';
import type { Step } from './grant.js';
import { ANNOTATION, isKeycards } from './names.js';
import type { GrantPlan } from './plan.js';
import { deleteServiceAccount, type ServiceAccountRef } from './service-account.js';

type Targets = Pick<GrantPlan, 'binding' | 'serviceAccount'>;

const notKeycards = (what: string, grantId: string) =>
  new ProviderError('conflict', `${what} is not labelled as Keycard's grant ${grantId}; refusing to delete it`, { retryable: false });

/**
 * Deletes the binding, then the ServiceAccount (which invalidates every token issued for it). Each is
 * checked to carry this grant's Keycard labels first; one already gone (404) counts as revoked.
 */
export async function revokeAccess(cluster: ClusterHandle, targets: Targets, grantId: string, step: Step): Promise<{ deleted: number }> {
  let deleted = 0;
  const where = describeBinding(targets.binding);
  const existing = await step(`read ${where}`, () => readBinding(cluster.rbac, targets.binding));
  if (existing) {
    if (!isKeycards(existing.metadata?.labels, grantId)) throw notKeycards(where, grantId);
    if (await step(`delete ${where}`, () => deleteBinding(cluster.rbac, targets.binding, existing.metadata?.uid))) deleted++;
  }
  const sa = targets.serviceAccount;
  if (sa) {
    const what = `ServiceAccount ${sa.namespace}/${sa.name}`;
    const account = await step(`read ${what}`, () => readServiceAccount(cluster, sa));
    if (account) {
      if (!isKeycards(account.labels, grantId)) throw notKeycards(what, grantId);
      if (await step(`delete ${what}`, () => deleteServiceAccount(cluster.core, sa))) deleted++;
    }
  }
  return { deleted };
}

/** True when neither the binding nor the ServiceAccount exists any more. */
export async function isRevoked(cluster: ClusterHandle, targets: Targets, step: Step): Promise<boolean> {
  const where = describeBinding(targets.binding);
  if (await step(`read ${where}`, () => readBinding(cluster.rbac, targets.binding))) return false;
  const sa = targets.serviceAccount;
  if (!sa) return true;
  return (await step(`read ServiceAccount ${sa.namespace}/${sa.name}`, () => readServiceAccount(cluster, sa))) === undefined;
}

/**
 * Moves the expiry annotation (a binding has no expiry of its own, so nothing else changes).
 * A ServiceAccount token's lifetime is fixed when issued, so token grants cannot be extended.
 */
export async function extendExpiry(cluster: ClusterHandle, targets: Targets, grantId: string, expiresAt: Date, step: Step): Promise<void> {
  if (targets.serviceAccount) {
    throw new ProviderError(
      'unsupported',
      `grant ${grantId} uses a ServiceAccount token whose expiry is fixed when issued, so it cannot be extended; release it and request access again for a fresh token`,
      { retryable: false },
    );
  }
  const where = describeBinding(targets.binding);
  const existing = await step(`read ${where}`, () => readBinding(cluster.rbac, targets.binding));
  if (!existing)
    throw new ProviderError('not_found', `${where} for grant ${grantId} no longer exists; it cannot be extended`, { retryable: false });
  if (!isKeycards(existing.metadata?.labels, grantId)) throw notKeycards(where, grantId);
  const annotations = { ...existing.metadata?.annotations, [ANNOTATION.expiresAt]: expiresAt.toISOString() };
  await step(`update ${where}`, () =>
    replaceBinding(cluster.rbac, targets.binding, { ...existing, metadata: { ...existing.metadata, annotations } }),
  );
}

async function readServiceAccount(cluster: ClusterHandle, sa: ServiceAccountRef): Promise<{ labels?: Record<string, string> } | undefined> {
  try {
    const account = await cluster.core.readNamespacedServiceAccount({ name: sa.name, namespace: sa.namespace });
    return { ...(account.metadata?.labels ? { labels: account.metadata.labels } : {}) };
  } catch (err) {
    if (isApiStatus(err, 404)) return undefined;
    throw err;
  }
}
