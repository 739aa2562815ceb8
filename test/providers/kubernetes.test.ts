import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ProviderGrantInput, ProviderRevokeInput } from '../../src/core/ports/provider.js';
import { ProviderError } from '../../src/core/ports/provider.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createKubernetesProvider } from '../../src/providers/kubernetes/index.js';
import { type FakeCluster, type KubeObject, k8sFixture, startFakeCluster } from '../fixtures/kubernetes/fake-cluster.js';

const TOKEN = 'keycard-sa-token';
const env = { KC_TEST_K8S_TOKEN: TOKEN };
const resourceConfig = { server: 'https://kube.test:6443', tokenEnv: 'KC_TEST_K8S_TOKEN', namespace: 'payments' };
const provider = createKubernetesProvider({ log: silentLogger, env });
let fake: FakeCluster;

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  nock.cleanAll();
  fake = startFakeCluster({ token: TOKEN });
});

const input = (levelConfig: Record<string, unknown>, extra: Partial<ProviderGrantInput> = {}): ProviderGrantInput => ({
  grantId: 'KC-42',
  requester: 'alice@example.com',
  resource: 'prod-k8s',
  level: 'read',
  levelConfig,
  resourceConfig,
  now: new Date('2030-01-01T11:00:00Z'),
  expiresAt: new Date('2030-01-01T11:30:00Z'),
  ...extra,
});
const revokeInput = (grant: ProviderGrantInput, ref: Record<string, unknown> | null): ProviderRevokeInput => {
  const { expiresAt: _e, ...rest } = grant;
  return { ...rest, ref };
};
const failure = async (p: Promise<unknown>): Promise<ProviderError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
};
const rb = (name: string, namespace = 'payments') => fake.get('rolebindings', name, namespace);

describe('kubernetes grant', () => {
  it('creates a labelled, annotated RoleBinding for the requester with the bearer token', async () => {
    const outcome = await provider.grant(input({ clusterRole: 'view' }));
    expect(outcome).toEqual({ ref: { kind: 'RoleBinding', name: 'keycard-kc-42', namespace: 'payments' } });
    const post = fake.requests.find((r) => r.method === 'POST');
    expect(post?.path).toBe('/apis/rbac.authorization.k8s.io/v1/namespaces/payments/rolebindings');
    expect(post?.body).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: {
        name: 'keycard-kc-42',
        namespace: 'payments',
        labels: { 'app.kubernetes.io/managed-by': 'keycard', 'keycard.dev/grant-id': 'kc-42', 'keycard.dev/resource': 'prod-k8s' },
        annotations: {
          'keycard.dev/grant-id': 'KC-42',
          'keycard.dev/requester': 'alice@example.com',
          'keycard.dev/resource': 'prod-k8s',
          'keycard.dev/level': 'read',
          'keycard.dev/expires-at': '2030-01-01T11:30:00.000Z',
        },
      },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'User', name: 'alice@example.com', apiGroup: 'rbac.authorization.k8s.io' }],
    });
  });

  it('binds a Group with the configured prefix, a namespaced Role, or cluster-wide without a namespace', async () => {
    const prefixed = { ...resourceConfig, subjectPrefix: 'oidc:' };
    await provider.grant(input({ role: 'deployer', namespace: 'checkout', subjectKind: 'Group' }, { resourceConfig: prefixed }));
    const binding = rb('keycard-kc-42', 'checkout');
    expect(binding?.subjects).toEqual([{ kind: 'Group', name: 'oidc:alice@example.com', apiGroup: 'rbac.authorization.k8s.io' }]);
    expect(binding?.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' });

    const clusterWide = { server: resourceConfig.server, tokenEnv: resourceConfig.tokenEnv };
    const outcome = await provider.grant(input({ clusterRole: 'view' }, { grantId: 'KC-43', resourceConfig: clusterWide }));
    expect(outcome.ref).toEqual({ kind: 'ClusterRoleBinding', name: 'keycard-kc-43' });
    expect(fake.get('clusterrolebindings', 'keycard-kc-43')?.kind).toBe('ClusterRoleBinding');
  });

  it('refuses a namespaced Role without any namespace, before calling the API', async () => {
    const clusterWide = { server: resourceConfig.server, tokenEnv: resourceConfig.tokenEnv };
    const err = await failure(provider.grant(input({ role: 'deployer' }, { resourceConfig: clusterWide })));
    expect(err.code).toBe('invalid_config');
    expect(err.message).toContain('set namespace');
    expect(fake.requests).toEqual([]);
  });

  it('serviceAccountToken: binds a new ServiceAccount, requests a token until expiry and delivers a kubeconfig', async () => {
    const outcome = await provider.grant(input({ clusterRole: 'edit', serviceAccountToken: true }));
    const sa = fake.get('serviceaccounts', 'keycard-kc-42', 'payments');
    expect(sa?.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'keycard', 'keycard.dev/grant-id': 'kc-42' });
    expect(rb('keycard-kc-42')?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'keycard-kc-42', namespace: 'payments' }]);

    const tokenCall = fake.requests.find((r) => r.path.endsWith('/serviceaccounts/keycard-kc-42/token'));
    expect(tokenCall?.body).toMatchObject({ kind: 'TokenRequest', spec: { expirationSeconds: 1800 } });

    const secret = outcome.credential?.secret ?? '';
    const kubeconfig = parse(secret) as {
      clusters: Array<{ cluster: Record<string, unknown> }>;
      users: Array<{ user: { token: string } }>;
      contexts: Array<{ context: { namespace: string } }>;
    };
    expect(kubeconfig.clusters[0]?.cluster.server).toBe('https://kube.test:6443');
    expect(kubeconfig.users[0]?.user.token).toMatch(/^fake-sa-token-/);
    expect(kubeconfig.contexts[0]?.context.namespace).toBe('payments');
    expect(outcome.ref).toEqual({
      kind: 'RoleBinding',
      name: 'keycard-kc-42',
      namespace: 'payments',
      serviceAccount: { name: 'keycard-kc-42', namespace: 'payments' },
    });
    const token = kubeconfig.users[0]?.user.token ?? '';
    expect(JSON.stringify([outcome.ref, outcome.credential?.summary, outcome.credential?.fields])).not.toContain(token);
  });

  it('removes the new ServiceAccount again when the binding cannot be created', async () => {
    fake.failNext('POST', /rolebindings$/, 403, 'status-forbidden');
    const err = await failure(provider.grant(input({ clusterRole: 'edit', serviceAccountToken: true })));
    expect(err.code).toBe('auth_failed');
    expect(fake.get('serviceaccounts', 'keycard-kc-42', 'payments')).toBeUndefined();
  });

  it('asks for at least the 600 s the TokenRequest API accepts', async () => {
    await provider.grant(input({ clusterRole: 'edit', serviceAccountToken: true }, { expiresAt: new Date('2030-01-01T11:02:00Z') }));
    const tokenCall = fake.requests.find((r) => r.path.endsWith('/token'));
    expect(tokenCall?.body).toMatchObject({ spec: { expirationSeconds: 600 } });
  });

  it('replaces its own binding on a retried grant, even when the level now names another role', async () => {
    await provider.grant(input({ clusterRole: 'view' }));
    const first = rb('keycard-kc-42');
    await provider.grant(input({ clusterRole: 'view' }));
    expect(rb('keycard-kc-42')?.metadata.uid).toBe(first?.metadata.uid);
    expect(fake.requests.some((r) => r.method === 'PUT')).toBe(true);

    await provider.grant(input({ clusterRole: 'edit' }));
    expect(rb('keycard-kc-42')?.roleRef).toMatchObject({ name: 'edit' });
    expect(rb('keycard-kc-42')?.metadata.uid).not.toBe(first?.metadata.uid);
  });

  it('never takes over a same-named binding that is not Keycard-labelled (conflict, not retryable)', async () => {
    const foreign = k8sFixture('rolebinding') as KubeObject;
    foreign.metadata = { name: 'keycard-kc-42', namespace: 'payments', labels: { team: 'payments' } };
    fake.seed('rolebindings', foreign);
    const err = await failure(provider.grant(input({ clusterRole: 'admin' })));
    expect(err.code).toBe('conflict');
    expect(err.retryable).toBe(false);
    expect(rb('keycard-kc-42')?.roleRef).toMatchObject({ name: 'view' });
    expect(fake.requests.filter((r) => r.method === 'DELETE' || r.method === 'PUT')).toEqual([]);
  });
});

describe('kubernetes revoke, list, verify, extend', () => {
  it('deletes the binding and the ServiceAccount; 404 afterwards is success', async () => {
    const grant = input({ clusterRole: 'edit', serviceAccountToken: true });
    const { ref } = await provider.grant(grant);
    expect(await provider.verifyRevoked?.(revokeInput(grant, ref))).toBe(false);
    await provider.revoke(revokeInput(grant, ref));
    expect(rb('keycard-kc-42')).toBeUndefined();
    expect(fake.get('serviceaccounts', 'keycard-kc-42', 'payments')).toBeUndefined();
    const deletes = fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path);
    expect(deletes).toEqual([
      '/apis/rbac.authorization.k8s.io/v1/namespaces/payments/rolebindings/keycard-kc-42',
      '/api/v1/namespaces/payments/serviceaccounts/keycard-kc-42',
    ]);
    await expect(provider.revoke(revokeInput(grant, ref))).resolves.toBeUndefined();
    expect(await provider.verifyRevoked?.(revokeInput(grant, ref))).toBe(true);
  });

  it('treats a 404 on DELETE (deleted between read and delete) as revoked', async () => {
    const grant = input({ clusterRole: 'view' });
    const { ref } = await provider.grant(grant);
    fake.failNext('DELETE', /rolebindings\/keycard-kc-42$/, 404, 'status-not-found');
    await expect(provider.revoke(revokeInput(grant, ref))).resolves.toBeUndefined();
  });

  it('refuses refs that do not name a keycard-… object, and bindings not labelled as this grant', async () => {
    const grant = input({ clusterRole: 'view' });
    const bad = await failure(provider.revoke(revokeInput(grant, { kind: 'ClusterRoleBinding', name: 'cluster-admin' })));
    expect(bad.code).toBe('invalid_config');
    fake.seed('rolebindings', { ...(k8sFixture('rolebinding') as KubeObject), metadata: { name: 'keycard-kc-42', namespace: 'payments' } });
    const foreign = await failure(provider.revoke(revokeInput(grant, null)));
    expect(foreign.code).toBe('conflict');
    expect(fake.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  });

  it('lists by label selector in the configured namespaces only, ignoring unlabelled and other-resource bindings', async () => {
    await provider.grant(input({ clusterRole: 'view' }));
    await provider.grant(input({ clusterRole: 'view' }, { grantId: 'KC-7', resource: 'other-k8s' }));
    fake.seed('clusterrolebindings', k8sFixture('clusterrolebinding-unmanaged') as KubeObject);
    fake.seed('rolebindings', { ...(k8sFixture('rolebinding') as KubeObject), metadata: { name: 'team-view', namespace: 'payments' } });
    fake.ignoreLabelSelector = true;
    fake.requests.length = 0;

    const levels = { read: { clusterRole: 'view' }, ops: { clusterRole: 'edit', namespace: 'checkout' } };
    const listed = await provider.list({ resource: 'prod-k8s', resourceConfig, levels });
    expect(listed).toEqual([
      {
        grantId: 'KC-42',
        ref: { kind: 'RoleBinding', name: 'keycard-kc-42', namespace: 'payments' },
        principal: 'alice@example.com',
        expiresAt: new Date('2030-01-01T11:30:00Z'),
      },
    ]);
    const selector = encodeURIComponent('app.kubernetes.io/managed-by=keycard,keycard.dev/resource=prod-k8s');
    expect(fake.requests.map((r) => r.path).sort()).toEqual([
      `/apis/rbac.authorization.k8s.io/v1/namespaces/checkout/rolebindings?labelSelector=${selector}`,
      `/apis/rbac.authorization.k8s.io/v1/namespaces/payments/rolebindings?labelSelector=${selector}`,
    ]);
  });

  it('lists ClusterRoleBindings (with their ServiceAccount) when a level binds cluster-wide', async () => {
    const config = { server: resourceConfig.server, tokenEnv: resourceConfig.tokenEnv, serviceAccountNamespace: 'keycard-grants' };
    const levels = { admin: { clusterRole: 'cluster-admin', serviceAccountToken: true } };
    await provider.grant(input(levels.admin, { resourceConfig: config }));
    const listed = await provider.list({ resource: 'prod-k8s', resourceConfig: config, levels });
    expect(listed.map((g) => g.ref)).toEqual([
      { kind: 'ClusterRoleBinding', name: 'keycard-kc-42', serviceAccount: { name: 'keycard-kc-42', namespace: 'keycard-grants' } },
    ]);
  });

  it('extends by moving the expiry annotation; token grants cannot be extended', async () => {
    const grant = input({ clusterRole: 'view' });
    const { ref } = await provider.grant(grant);
    const expiresAt = new Date('2030-01-01T12:00:00Z');
    await provider.extend?.({ ...revokeInput(grant, ref), expiresAt });
    expect(rb('keycard-kc-42')?.metadata.annotations).toMatchObject({ 'keycard.dev/expires-at': '2030-01-01T12:00:00.000Z' });

    const tokenGrant = input({ clusterRole: 'view', serviceAccountToken: true }, { grantId: 'KC-44' });
    const token = await provider.grant(tokenGrant);
    const err = await failure(Promise.resolve(provider.extend?.({ ...revokeInput(tokenGrant, token.ref), expiresAt })));
    expect(err.code).toBe('unsupported');
    expect(err.retryable).toBe(false);
  });
});
