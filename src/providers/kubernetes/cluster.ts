import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { ProviderError } from '../../core/ports/provider.js';
import { safeUrl } from '../redact-url.js';
import type { KubernetesResourceConfig } from './schemas.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** API clients for one cluster, plus what a delivered kubeconfig needs. */
export interface ClusterHandle {
  rbac: RbacAuthorizationV1Api;
  core: CoreV1Api;
  /** `https://host:port` of the API server, safe for messages. */
  label: string;
  /** Server URL, CA (base64 PEM) and TLS setting written into delivered kubeconfigs. */
  userCluster(): { server: string; caData?: string; insecure: boolean };
}

export interface ClusterOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Where the pod's service account token and CA are mounted (tests point it elsewhere). */
  serviceAccountDir?: string;
}

const invalid = (resource: string, message: string) => new ProviderError('invalid_config', `resource ${resource}: ${message}`);

/** Builds a KubeConfig from one of the three documented access schemes (see README.md). */
function loadKubeConfig(resource: string, config: KubernetesResourceConfig, options: ClusterOptions): KubeConfig {
  const kc = new KubeConfig();
  if (config.inCluster) {
    const host = options.env.KUBERNETES_SERVICE_HOST;
    const port = options.env.KUBERNETES_SERVICE_PORT ?? '443';
    if (!host) throw invalid(resource, 'inCluster: true, but KUBERNETES_SERVICE_HOST is not set (is Keycard running in a pod?)');
    const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
    const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    // The tokenFile auth provider re-reads the projected token, so kubelet's rotation is picked up.
    kc.loadFromClusterAndUser(
      { name: 'in-cluster', server, caFile: join(dir, 'ca.crt'), skipTLSVerify: false },
      { name: 'keycard', authProvider: { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } } },
    );
    return kc;
  }
  if (config.kubeconfigEnv !== undefined) {
    const path = options.env[config.kubeconfigEnv];
    if (!path) throw invalid(resource, `set ${config.kubeconfigEnv} to the path of a kubeconfig file`);
    try {
      kc.loadFromFile(path);
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      throw invalid(
        resource,
        `cannot read the kubeconfig named by ${config.kubeconfigEnv} (${typeof code === 'string' ? code : 'not a valid kubeconfig'})`,
      );
    }
    if (config.context !== undefined) {
      if (!kc.getContextObject(config.context)) throw invalid(resource, `the kubeconfig has no context "${config.context}"`);
      kc.setCurrentContext(config.context);
    }
    if (!kc.getCurrentCluster()) throw invalid(resource, 'the kubeconfig has no current context/cluster; set config.context');
    return kc;
  }
  const token = config.tokenEnv === undefined ? undefined : options.env[config.tokenEnv];
  if (!config.server || !token)
    throw invalid(resource, `set ${config.tokenEnv ?? 'tokenEnv'} to a bearer token for ${config.server ?? 'server'}`);
  kc.loadFromClusterAndUser(
    { name: 'target', server: config.server, skipTLSVerify: false, ...(config.caFile ? { caFile: config.caFile } : {}) },
    { name: 'keycard', token },
  );
  return kc;
}

function userClusterOf(kc: KubeConfig, config: KubernetesResourceConfig): ReturnType<ClusterHandle['userCluster']> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ProviderError('invalid_config', 'kubeconfig has no current cluster');
  let caData = cluster.caData;
  if (!caData && cluster.caFile) caData = readFileSync(cluster.caFile).toString('base64');
  return { server: config.publicServer ?? cluster.server, insecure: cluster.skipTLSVerify, ...(caData ? { caData } : {}) };
}

/** One set of API clients per distinct cluster configuration, created lazily. */
export function createClusterCache(options: ClusterOptions) {
  const handles = new Map<string, ClusterHandle>();
  return {
    get(resource: string, config: KubernetesResourceConfig): ClusterHandle {
      const token = config.tokenEnv === undefined ? '' : (options.env[config.tokenEnv] ?? '');
      const path = config.kubeconfigEnv === undefined ? '' : (options.env[config.kubeconfigEnv] ?? '');
      // A changed token or kubeconfig path yields a new handle; the token itself is only hashed into the key.
      const key = `${JSON.stringify(config)}|${path}|${createHash('sha256').update(token).digest('hex')}`;
      let handle = handles.get(key);
      if (!handle) {
        const kc = loadKubeConfig(resource, config, options);
        const server = kc.getCurrentCluster()?.server ?? 'unknown server';
        handle = {
          rbac: kc.makeApiClient(RbacAuthorizationV1Api),
          core: kc.makeApiClient(CoreV1Api),
          label: safeUrl(server),
          userCluster: () => userClusterOf(kc, config),
        };
        handles.set(key, handle);
      }
      return handle;
    },
  };
}
