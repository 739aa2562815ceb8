import type { CoreV1Api } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { ProviderError } from '../../core/ports/provider.js';
import { isApiStatus } from './errors.js';
import { isKeycards } from './names.js';

/** The TokenRequest API refuses anything shorter. */
export const MIN_TOKEN_SECONDS = 600;

export interface ServiceAccountRef {
  name: string;
  namespace: string;
}

/**
 * Creates the grant's ServiceAccount. One that already exists is reused only when it is Keycard's for
 * this very grant (a retried grant after a crash); anything else is a name clash Keycard will not touch.
 */
export async function ensureServiceAccount(
  core: CoreV1Api,
  sa: ServiceAccountRef,
  meta: { grantId: string; labels: Record<string, string>; annotations: Record<string, string> },
): Promise<void> {
  const body = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: sa.name, namespace: sa.namespace, labels: meta.labels, annotations: meta.annotations },
    // The token is requested explicitly below; nothing should mount one into pods.
    automountServiceAccountToken: false,
  };
  try {
    await core.createNamespacedServiceAccount({ namespace: sa.namespace, body });
  } catch (err) {
    if (!isApiStatus(err, 409)) throw err;
    const existing = await core.readNamespacedServiceAccount({ name: sa.name, namespace: sa.namespace });
    if (!isKeycards(existing.metadata?.labels, meta.grantId)) {
      throw new ProviderError(
        'conflict',
        `ServiceAccount ${sa.namespace}/${sa.name} exists and is not Keycard's for ${meta.grantId}; Keycard will not reuse it`,
        { retryable: false },
      );
    }
  }
}

/** Seconds until `expiresAt`, rounded up, never below what the TokenRequest API accepts. */
export function tokenSeconds(now: Date, expiresAt: Date): number {
  return Math.max(MIN_TOKEN_SECONDS, Math.ceil((expiresAt.getTime() - now.getTime()) / 1000));
}

/** A bound token for the ServiceAccount via the TokenRequest API; it dies with the ServiceAccount. */
export async function requestToken(
  core: CoreV1Api,
  sa: ServiceAccountRef,
  expirationSeconds: number,
): Promise<{ token: string; expiresAt?: Date }> {
  const response = await core.createNamespacedServiceAccountToken({
    name: sa.name,
    namespace: sa.namespace,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds, audiences: [] } },
  });
  const token = response.status?.token;
  if (!token) throw new ProviderError('unknown', `TokenRequest for ${sa.namespace}/${sa.name} returned no token`);
  const expiresAt = response.status?.expirationTimestamp;
  return { token, ...(expiresAt instanceof Date ? { expiresAt } : {}) };
}

/** Deletes the ServiceAccount, which invalidates every token issued for it; false when already gone. */
export async function deleteServiceAccount(core: CoreV1Api, sa: ServiceAccountRef): Promise<boolean> {
  try {
    await core.deleteNamespacedServiceAccount({ name: sa.name, namespace: sa.namespace });
    return true;
  } catch (err) {
    if (isApiStatus(err, 404)) return false;
    throw err;
  }
}

/** A self-contained kubeconfig (YAML) for the ServiceAccount token: the credential handed to the requester. */
export function renderKubeconfig(input: {
  name: string;
  server: string;
  caData?: string;
  insecure: boolean;
  namespace: string;
  token: string;
}): string {
  const cluster: Record<string, unknown> = { server: input.server };
  if (input.caData) cluster['certificate-authority-data'] = input.caData;
  if (input.insecure) cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: input.name, cluster }],
    users: [{ name: input.name, user: { token: input.token } }],
    contexts: [{ name: input.name, context: { cluster: input.name, user: input.name, namespace: input.namespace } }],
    'current-context': input.name,
  });
}
