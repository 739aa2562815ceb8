import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderGrantInput } from '../../src/core/ports/provider.js';
import { ProviderError } from '../../src/core/ports/provider.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createKubernetesProvider } from '../../src/providers/kubernetes/index.js';
import { type FakeCluster, startFakeCluster } from '../fixtures/kubernetes/fake-cluster.js';

const TOKEN = 'keycard-sa-token-do-not-leak';
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

const input = (extra: Partial<ProviderGrantInput> = {}): ProviderGrantInput => ({
  grantId: 'KC-5',
  requester: 'dan@example.com',
  resource: 'prod-k8s',
  level: 'read',
  levelConfig: { clusterRole: 'view' },
  resourceConfig,
  now: new Date('2030-01-01T11:00:00Z'),
  expiresAt: new Date('2030-01-01T11:30:00Z'),
  ...extra,
});
const failure = async (p: Promise<unknown>): Promise<ProviderError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  const mapped = err as ProviderError;
  expect(mapped.message).not.toContain(TOKEN);
  return mapped;
};

describe('kubernetes error mapping', () => {
  it.each([
    [401, 'status-unauthorized', 'auth_failed', false, "rejected Keycard's credentials"],
    [403, 'status-forbidden', 'auth_failed', false, '`bind` on the roles'],
    [404, 'status-not-found', 'not_found', false, 'check the namespace exists'],
    [422, 'status-invalid', 'invalid_config', false, 'rejected as invalid'],
    [429, 'status-too-many-requests', 'rate_limited', true, 'Too many requests'],
    [500, 'status-internal-error', 'unavailable', true, 'etcdserver: request timed out'],
  ] as const)('HTTP %i (%s) on create → %s', async (status, fixture, code, retryable, text) => {
    fake.failNext('POST', /rolebindings$/, status, fixture);
    const err = await failure(provider.grant(input()));
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.message).toContain(text);
    expect(err.message).toContain('kubernetes https://kube.test:6443 (grant on prod-k8s: create RoleBinding payments/keycard-kc-5)');
  });

  it('409 on delete (uid precondition lost a race) → conflict, retryable', async () => {
    const { ref } = await provider.grant(input());
    fake.failNext('DELETE', /rolebindings\/keycard-kc-5$/, 409, 'status-already-exists');
    const { expiresAt: _e, ...rest } = input();
    const err = await failure(provider.revoke({ ...rest, ref }));
    expect(err.code).toBe('conflict');
    expect(err.retryable).toBe(true);
  });

  it('403 on list names the RBAC fix', async () => {
    fake.failNext('GET', /rolebindings$/, 403, 'status-forbidden');
    const err = await failure(provider.list({ resource: 'prod-k8s', resourceConfig, levels: { read: { clusterRole: 'view' } } }));
    expect(err.code).toBe('auth_failed');
    expect(err.message).toContain('src/providers/kubernetes/README.md');
  });

  it('a refused connection → unavailable (retryable)', async () => {
    nock('https://down.test:6443')
      .post(/.*/)
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' }));
    const err = await failure(provider.grant(input({ resourceConfig: { ...resourceConfig, server: 'https://down.test:6443' } })));
    expect(err.code).toBe('unavailable');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('an invalid resource config is invalid_config before any request', async () => {
    const err = await failure(provider.grant(input({ resourceConfig: { server: 'https://kube.test:6443' } })));
    expect(err.code).toBe('invalid_config');
    expect(fake.requests).toEqual([]);
  });
});
