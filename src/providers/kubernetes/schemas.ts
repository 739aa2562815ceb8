import { z } from 'zod';
import type { ProviderSchemas } from '../../core/ports/provider.js';

/** A namespace name (RFC 1123 label). */
const namespaceName = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'must be a Kubernetes namespace name (lower-case letters, digits and -)' });

/** Role names are path segments: ClusterRoles such as `system:aggregate-to-view` contain ':'. */
const roleName = z
  .string()
  .max(253)
  .regex(/^[A-Za-z0-9][A-Za-z0-9:._-]*$/, { message: 'must be a Role/ClusterRole name (letters, digits, : . _ -)' });

const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an environment variable name (e.g. PROD_KUBECONFIG)' });

const httpsUrl = z
  .string()
  .url()
  .refine((u) => new URL(u).protocol === 'https:', { message: 'must be an https:// URL' });

export const kubernetesResourceConfigSchema = z
  .object({
    inCluster: z.boolean().optional().describe("Use the pod's own service account (when Keycard runs inside the cluster)"),
    kubeconfigEnv: envVarName.optional().describe('Name of an environment variable holding the PATH of a kubeconfig file'),
    context: z.string().min(1).optional().describe('kubeconfig context to use (default: its current-context); only with kubeconfigEnv'),
    server: httpsUrl.optional().describe('API server URL, used with tokenEnv (a bearer token in the environment)'),
    tokenEnv: envVarName.optional().describe('Name of an environment variable holding a bearer token for server'),
    caFile: z.string().min(1).optional().describe("Path of the API server's CA bundle for server (default: the system CAs)"),
    namespace: namespaceName
      .optional()
      .describe('Default namespace for levels that name none (a level without any namespace binds cluster-wide)'),
    serviceAccountNamespace: namespaceName
      .optional()
      .describe('Where per-grant ServiceAccounts live for cluster-wide serviceAccountToken levels'),
    publicServer: httpsUrl.optional().describe('API server URL written into delivered kubeconfigs (default: the one Keycard uses)'),
    subjectPrefix: z
      .string()
      .max(64)
      .optional()
      .describe('Prefix of user/group names at the API server, e.g. "oidc:" when it runs with --oidc-username-prefix=oidc:'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const modes = [c.inCluster === true, c.kubeconfigEnv !== undefined, c.server !== undefined].filter(Boolean).length;
    if (modes !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: 'set exactly one of inCluster: true, kubeconfigEnv: VAR, or server: https://… with tokenEnv: VAR',
      });
    }
    if (c.server !== undefined && c.tokenEnv === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['tokenEnv'],
        message: 'is required with server: name the environment variable holding the token',
      });
    }
    if (c.server === undefined && (c.tokenEnv !== undefined || c.caFile !== undefined)) {
      ctx.addIssue({ code: 'custom', message: 'tokenEnv and caFile apply only with server' });
    }
    if (c.context !== undefined && c.kubeconfigEnv === undefined) {
      ctx.addIssue({ code: 'custom', path: ['context'], message: 'applies only with kubeconfigEnv' });
    }
  });

export const kubernetesLevelConfigSchema = z
  .object({
    clusterRole: roleName.optional().describe('ClusterRole to bind (cluster-wide, or within namespace when one is set)'),
    role: roleName.optional().describe('Role to bind; needs a namespace (here or in the resource config)'),
    namespace: namespaceName.optional().describe('Bind within this namespace (a RoleBinding); without any namespace a ClusterRoleBinding'),
    subjectKind: z.enum(['User', 'Group']).optional().describe("Bind the requester's email as a User (default) or a Group"),
    serviceAccountToken: z
      .boolean()
      .optional()
      .describe('Bind a per-grant ServiceAccount instead and deliver a kubeconfig with a token that expires with the grant'),
  })
  .strict()
  .superRefine((l, ctx) => {
    if ((l.role === undefined) === (l.clusterRole === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'set exactly one of role or clusterRole' });
    }
    if (l.serviceAccountToken === true && l.subjectKind !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['subjectKind'],
        message: 'does not apply with serviceAccountToken (the subject is the ServiceAccount)',
      });
    }
  });

export type KubernetesResourceConfig = z.output<typeof kubernetesResourceConfigSchema>;
export type KubernetesLevelConfig = z.output<typeof kubernetesLevelConfigSchema>;

export const kubernetesSchemas: ProviderSchemas = {
  resourceConfig: kubernetesResourceConfigSchema,
  levelConfig: kubernetesLevelConfigSchema,
  // Cluster credentials come from the pod, a kubeconfig path or a token in the environment, never `connection:`.
  requiresConnection: false,
};
