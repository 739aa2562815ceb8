import nock from 'nock';
import { afterAll, beforeAll } from 'vitest';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createKubernetesProvider, kubernetesSchemas } from '../../src/providers/kubernetes/index.js';
import { startFakeCluster } from '../fixtures/kubernetes/fake-cluster.js';
import { runProviderContract } from './contract.js';

const TOKEN = 'keycard-sa-token';
const env = { KC_TEST_K8S_TOKEN: TOKEN };
const resourceConfig = { server: 'https://kube.test:6443', tokenEnv: 'KC_TEST_K8S_TOKEN', namespace: 'payments' };

beforeAll(() => {
  nock.disableNetConnect();
  startFakeCluster({ token: TOKEN });
});
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const options = {
  schemas: kubernetesSchemas,
  validLevelConfig: { clusterRole: 'view', namespace: 'payments', subjectKind: 'Group' },
  invalidLevelConfig: { role: 'edit', clusterRole: 'edit' },
};

runProviderContract(
  'kubernetes (RoleBinding for the requester)',
  async () => {
    const levels = { read: { clusterRole: 'view' } };
    return {
      provider: createKubernetesProvider({ log: silentLogger, env }),
      input: { requester: 'alice@example.com', resource: 'prod-k8s', level: 'read', levelConfig: levels.read, resourceConfig },
      listInput: { resource: 'prod-k8s', resourceConfig, levels },
      teardown: async () => {},
    };
  },
  { ...options, expectsCredential: false },
);

runProviderContract(
  'kubernetes (ServiceAccount token, ClusterRoleBinding)',
  async () => {
    const tokenResource = { server: resourceConfig.server, tokenEnv: resourceConfig.tokenEnv, serviceAccountNamespace: 'keycard-grants' };
    const levels = { admin: { clusterRole: 'cluster-admin', serviceAccountToken: true } };
    return {
      provider: createKubernetesProvider({ log: silentLogger, env }),
      input: {
        requester: 'bob@example.com',
        resource: 'prod-k8s-admin',
        level: 'admin',
        levelConfig: levels.admin,
        resourceConfig: tokenResource,
      },
      listInput: { resource: 'prod-k8s-admin', resourceConfig: tokenResource, levels },
      teardown: async () => {},
    };
  },
  // A ServiceAccount token's lifetime is fixed when issued: extend must refuse, telling the holder to get a fresh one.
  { ...options, extend: 'unsupported' },
);
