import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createKubernetesProvider } from '../../src/providers/kubernetes/index.js';
import { type FakeCluster, type KubeObject, k8sFixture, startFakeCluster } from '../fixtures/kubernetes/fake-cluster.js';

const TOKEN = 'keycard-sa-token';
const resourceConfig = { server: 'https://kube.test:6443', tokenEnv: 'KC_TEST_K8S_TOKEN', namespace: 'payments', subjectPrefix: 'oidc:' };
const provider = createKubernetesProvider({ log: silentLogger, env: { KC_TEST_K8S_TOKEN: TOKEN } });
const levels = {
  read: { clusterRole: 'view' },
  deploy: { role: 'deployer', namespace: 'checkout' },
  admin: { clusterRole: 'cluster-admin' },
};
let fake: FakeCluster;

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());

/** A binding made by hand (no Keycard labels), shaped like the recorded RoleBinding fixture. */
function binding(
  kind: 'RoleBinding' | 'ClusterRoleBinding',
  name: string,
  roleRef: { kind: string; name: string },
  subjects: object[],
  namespace?: string,
): KubeObject {
  const base = k8sFixture('rolebinding') as KubeObject;
  return {
    ...base,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}), labels: { team: 'payments' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
    subjects,
  };
}
const user = (name: string) => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });
const group = (name: string) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });

beforeEach(() => {
  nock.cleanAll();
  fake = startFakeCluster({ token: TOKEN });
  // Keycard's own grant (labelled managed-by=keycard): never standing access.
  fake.seed('rolebindings', k8sFixture('rolebinding') as KubeObject);
  // Standing: a hand-made RoleBinding to the read level's ClusterRole, and a cluster-wide one.
  fake.seed(
    'rolebindings',
    binding(
      'RoleBinding',
      'oncall-view',
      { kind: 'ClusterRole', name: 'view' },
      [user('oidc:dave@example.com'), group('oidc:payments-oncall')],
      'payments',
    ),
  );
  fake.seed(
    'clusterrolebindings',
    binding('ClusterRoleBinding', 'auditors-view', { kind: 'ClusterRole', name: 'view' }, [group('auditors')]),
  );
  fake.seed(
    'rolebindings',
    binding(
      'RoleBinding',
      'ci-deployer',
      { kind: 'Role', name: 'deployer' },
      [{ kind: 'ServiceAccount', name: 'ci', namespace: 'build' }],
      'checkout',
    ),
  );
  // The cluster's bootstrap binding of cluster-admin (recorded fixture) for the admin level.
  fake.seed('clusterrolebindings', k8sFixture('clusterrolebinding-unmanaged') as KubeObject);
  // Unrelated: another role in the level's namespace, and the read role in a namespace no level names.
  fake.seed(
    'rolebindings',
    binding('RoleBinding', 'dev-edit', { kind: 'ClusterRole', name: 'edit' }, [user('oidc:erin@example.com')], 'payments'),
  );
  fake.seed(
    'rolebindings',
    binding('RoleBinding', 'other-view', { kind: 'ClusterRole', name: 'view' }, [user('oidc:frank@example.com')], 'staging'),
  );
});

describe('kubernetes inventory', () => {
  it("reports bindings to each level's role that Keycard did not make, with the subject as people know it", async () => {
    const found = await provider.inventory!({ resource: 'prod-k8s', resourceConfig, levels });
    expect(found).toEqual([
      { level: 'read', principal: 'dave@example.com', kind: 'user', via: 'RoleBinding payments/oncall-view' },
      { level: 'read', principal: 'payments-oncall', kind: 'group', via: 'RoleBinding payments/oncall-view' },
      { level: 'read', principal: 'auditors', kind: 'group', via: 'ClusterRoleBinding auditors-view' },
      { level: 'deploy', principal: 'system:serviceaccount:build:ci', kind: 'serviceaccount', via: 'RoleBinding checkout/ci-deployer' },
      { level: 'admin', principal: 'system:masters', kind: 'group', via: 'ClusterRoleBinding cluster-admin' },
    ]);
  });

  it('only reads: each scope is listed once and nothing is written', async () => {
    await provider.inventory!({ resource: 'prod-k8s', resourceConfig, levels });
    expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);
    expect(fake.requests.map((r) => r.path).sort()).toEqual([
      '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      '/apis/rbac.authorization.k8s.io/v1/namespaces/checkout/rolebindings',
      '/apis/rbac.authorization.k8s.io/v1/namespaces/payments/rolebindings',
    ]);
  });

  it('maps a forbidden list to auth_failed naming the fix', async () => {
    fake.failNext('GET', /clusterrolebindings$/, 403, 'status-forbidden');
    await expect(provider.inventory!({ resource: 'prod-k8s', resourceConfig, levels })).rejects.toMatchObject({
      code: 'auth_failed',
      message: expect.stringContaining('inventory on prod-k8s'),
    });
  });
});
