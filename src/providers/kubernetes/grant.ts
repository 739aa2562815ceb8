import type { RbacV1Subject } from '@kubernetes/client-node';
import type { Credential, GrantOutcome, ProviderGrantInput } from '../../core/ports/provider.js';
import { ProviderError } from '../../core/ports/provider.js';
import { safeUrl } from '../redact-url.js';
import {
  type Binding,
  type BindingRef,
  createBinding,
  deleteBinding,
  describeBinding,
  RBAC_GROUP,
  readBinding,
  replaceBinding,
} from './bindings.js';
import type { ClusterHandle } from './cluster.js';
import { isApiStatus } from './errors.js';
import { annotationsFor, isKeycards, labelsFor } from './names.js';
import { type GrantPlan, refOf } from './plan.js';
import type { KubernetesLevelConfig, KubernetesResourceConfig } from './schemas.js';
import { deleteServiceAccount, ensureServiceAccount, renderKubeconfig, requestToken, tokenSeconds } from './service-account.js';

/** Runs one API step, mapping what it throws with the step named in the message. */
export type Step = <T>(step: string, fn: () => Promise<T>) => Promise<T>;

/** Creates the binding (and ServiceAccount + token) a grant plan describes. */
export async function grantAccess(
  input: ProviderGrantInput,
  ctx: { cluster: ClusterHandle; plan: GrantPlan; config: KubernetesResourceConfig; level: KubernetesLevelConfig; step: Step },
): Promise<GrantOutcome> {
  const { cluster, plan, config, level, step } = ctx;
  const labels = labelsFor(input);
  const annotations = annotationsFor(input);
  const sa = plan.serviceAccount;
  if (sa) {
    await step(`create ServiceAccount ${sa.namespace}/${sa.name}`, () =>
      ensureServiceAccount(cluster.core, sa, { grantId: input.grantId, labels, annotations }),
    );
  }
  const subject: RbacV1Subject = sa
    ? { kind: 'ServiceAccount', name: sa.name, namespace: sa.namespace }
    : { kind: level.subjectKind ?? 'User', name: `${config.subjectPrefix ?? ''}${input.requester}`, apiGroup: RBAC_GROUP };
  const body: Binding = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: plan.binding.kind,
    metadata: {
      name: plan.binding.name,
      ...(plan.binding.kind === 'RoleBinding' ? { namespace: plan.binding.namespace } : {}),
      labels,
      annotations,
    },
    roleRef: { apiGroup: RBAC_GROUP, kind: plan.roleRef.kind, name: plan.roleRef.name },
    subjects: [subject],
  };
  try {
    await step(`create ${describeBinding(plan.binding)}`, () => putBinding(cluster, plan.binding, body, input.grantId));
  } catch (err) {
    // Leave no orphaned ServiceAccount behind a failed grant (best effort: a retry recreates it).
    if (sa) await deleteServiceAccount(cluster.core, sa).catch(() => false);
    throw err;
  }

  const ref = refOf(plan);
  if (!sa) return { ref };
  const seconds = tokenSeconds(input.now, input.expiresAt);
  const issued = await step(`request a token for ServiceAccount ${sa.namespace}/${sa.name}`, () => requestToken(cluster.core, sa, seconds));
  return { ref, credential: kubeconfigCredential(input, cluster, plan, sa, issued) };
}

/**
 * Creates the binding. One that already exists is taken over only when it carries this grant's
 * Keycard labels (a grant retried after a crash): it is replaced in place, or deleted and recreated
 * when its roleRef differs (roleRef is immutable). Anything else is someone else's binding.
 */
async function putBinding(cluster: ClusterHandle, ref: BindingRef, body: Binding, grantId: string): Promise<void> {
  try {
    await createBinding(cluster.rbac, ref, body);
    return;
  } catch (err) {
    if (!isApiStatus(err, 409)) throw err;
  }
  const existing = await readBinding(cluster.rbac, ref);
  if (!existing) return createBinding(cluster.rbac, ref, body);
  if (!isKeycards(existing.metadata?.labels, grantId)) {
    throw new ProviderError(
      'conflict',
      `${describeBinding(ref)} already exists and is not labelled as Keycard's grant ${grantId}; Keycard will not overwrite it (rename or delete it)`,
      { retryable: false },
    );
  }
  const sameRole = existing.roleRef.kind === body.roleRef.kind && existing.roleRef.name === body.roleRef.name;
  if (sameRole) {
    const metadata = {
      ...body.metadata,
      ...(existing.metadata?.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
    };
    return replaceBinding(cluster.rbac, ref, { ...body, metadata });
  }
  await deleteBinding(cluster.rbac, ref, existing.metadata?.uid);
  await createBinding(cluster.rbac, ref, body);
}

function kubeconfigCredential(
  input: ProviderGrantInput,
  cluster: ClusterHandle,
  plan: GrantPlan,
  sa: NonNullable<GrantPlan['serviceAccount']>,
  issued: { token: string; expiresAt?: Date },
): Credential {
  const target = cluster.userCluster();
  const secret = renderKubeconfig({
    name: `keycard-${input.resource}`.slice(0, 63),
    ...target,
    namespace: sa.namespace,
    token: issued.token,
  });
  const tokenExpiresAt = (issued.expiresAt ?? input.expiresAt).toISOString();
  const fields: Record<string, string> = {
    server: safeUrl(target.server),
    namespace: sa.namespace,
    serviceAccount: sa.name,
    binding: describeBinding(plan.binding),
    role: `${plan.roleRef.kind} ${plan.roleRef.name}`,
    tokenExpiresAt,
  };
  return {
    summary: `kubeconfig for ServiceAccount ${sa.namespace}/${sa.name} on ${input.resource} (${plan.roleRef.kind} ${plan.roleRef.name}); token expires ${tokenExpiresAt}`,
    secret,
    fields,
  };
}
