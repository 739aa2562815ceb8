import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ProviderGrantInput } from '../../src/core/ports/provider.js';
import { ProviderError } from '../../src/core/ports/provider.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createKubernetesProvider, kubernetesSchemas, objectNameFor } from '../../src/providers/kubernetes/index.js';
import { startFakeCluster } from '../fixtures/kubernetes/fake-cluster.js';

const TOKEN = 'keycard-sa-token';
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBfakefakefake\n-----END CERTIFICATE-----\n';
const CA_DATA = Buffer.from(CA_PEM).toString('base64');
const dir = mkdtempSync(join(tmpdir(), 'keycard-k8s-'));

beforeAll(() => nock.disableNetConnect());
afterAll(() => {
  nock.enableNetConnect();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  nock.cleanAll();
  startFakeCluster({ token: TOKEN });
});

const grant = (resourceConfig: Record<string, unknown>, levelConfig: Record<string, unknown>): ProviderGrantInput => ({
  grantId: 'KC-9',
  requester: 'carol@example.com',
  resource: 'prod-k8s',
  level: 'ops',
  levelConfig,
  resourceConfig,
  now: new Date('2030-01-01T11:00:00Z'),
  expiresAt: new Date('2030-01-01T12:00:00Z'),
});
const tokenLevel = { clusterRole: 'edit', namespace: 'payments', serviceAccountToken: true };
const deliveredCluster = (secret: string | undefined) =>
  (parse(secret ?? '') as { clusters: Array<{ cluster: Record<string, unknown> }> }).clusters[0]?.cluster;
const failure = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
};

describe('kubernetes cluster access', () => {
  it('kubeconfigEnv: reads the kubeconfig named by the env var, honours context, and passes its CA on', async () => {
    const path = join(dir, 'kubeconfig.yaml');
    writeFileSync(
      path,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'prod', cluster: { server: 'https://kube.test:6443', 'certificate-authority-data': CA_DATA } }],
        users: [
          { name: 'keycard', user: { token: TOKEN } },
          { name: 'nobody', user: { token: 'wrong' } },
        ],
        contexts: [
          { name: 'prod', context: { cluster: 'prod', user: 'keycard' } },
          { name: 'other', context: { cluster: 'prod', user: 'nobody' } },
        ],
        'current-context': 'other',
      }),
    );
    const provider = createKubernetesProvider({ log: silentLogger, env: { KC_TEST_KUBECONFIG: path } });
    const outcome = await provider.grant(grant({ kubeconfigEnv: 'KC_TEST_KUBECONFIG', context: 'prod' }, tokenLevel));
    expect(deliveredCluster(outcome.credential?.secret)).toEqual({
      server: 'https://kube.test:6443',
      'certificate-authority-data': CA_DATA,
    });

    const wrongContext = await failure(provider.grant(grant({ kubeconfigEnv: 'KC_TEST_KUBECONFIG' }, tokenLevel)));
    expect(wrongContext.code).toBe('auth_failed');
    const unset = await failure(provider.grant(grant({ kubeconfigEnv: 'KC_TEST_UNSET' }, tokenLevel)));
    expect(unset).toMatchObject({ code: 'invalid_config' });
    expect(unset.message).toContain('set KC_TEST_UNSET to the path of a kubeconfig file');
  });

  it('inCluster: uses the mounted service account token and CA, and writes publicServer into kubeconfigs', async () => {
    const mounted = mkdtempSync(join(dir, 'serviceaccount-'));
    writeFileSync(join(mounted, 'token'), TOKEN);
    writeFileSync(join(mounted, 'ca.crt'), CA_PEM);
    const env = { KUBERNETES_SERVICE_HOST: 'kube.test', KUBERNETES_SERVICE_PORT: '6443' };
    const provider = createKubernetesProvider({ log: silentLogger, env }, { serviceAccountDir: mounted });
    const outcome = await provider.grant(grant({ inCluster: true, publicServer: 'https://k8s.example.com' }, tokenLevel));
    expect(deliveredCluster(outcome.credential?.secret)).toEqual({
      server: 'https://k8s.example.com',
      'certificate-authority-data': CA_DATA,
    });

    const outside = createKubernetesProvider({ log: silentLogger, env: {} }, { serviceAccountDir: mounted });
    const err = await failure(outside.grant(grant({ inCluster: true }, tokenLevel)));
    expect(err.code).toBe('invalid_config');
    expect(err.message).toContain('KUBERNETES_SERVICE_HOST');
  });

  it('server + tokenEnv: a missing token is a config error naming the variable', async () => {
    const provider = createKubernetesProvider({ log: silentLogger, env: {} });
    const err = await failure(provider.grant(grant({ server: 'https://kube.test:6443', tokenEnv: 'KC_TEST_K8S_TOKEN' }, tokenLevel)));
    expect(err.code).toBe('invalid_config');
    expect(err.message).toContain('set KC_TEST_K8S_TOKEN');
  });
});

describe('kubernetes schemas and names', () => {
  const resource = kubernetesSchemas.resourceConfig;
  const level = kubernetesSchemas.levelConfig;

  it.each([
    [{ inCluster: true }, true],
    [{ kubeconfigEnv: 'PROD_KUBECONFIG', context: 'prod' }, true],
    [{ server: 'https://k8s.example.com', tokenEnv: 'K8S_TOKEN', caFile: '/etc/ca.pem' }, true],
    [{}, false],
    [{ inCluster: true, kubeconfigEnv: 'X' }, false],
    [{ server: 'https://k8s.example.com' }, false],
    [{ server: 'http://k8s.example.com', tokenEnv: 'K8S_TOKEN' }, false],
    [{ inCluster: true, tokenEnv: 'K8S_TOKEN' }, false],
    [{ inCluster: true, context: 'prod' }, false],
    [{ inCluster: true, namespace: 'Not_A_Namespace' }, false],
    [{ inCluster: true, token: 'inline-secrets-are-refused' }, false],
  ])('resource config %j valid: %s', (config, ok) => {
    expect(resource.safeParse(config).success).toBe(ok);
  });

  it.each([
    [{ clusterRole: 'view' }, true],
    [{ clusterRole: 'system:aggregate-to-view', subjectKind: 'Group' }, true],
    [{ role: 'deployer', namespace: 'payments', serviceAccountToken: true }, true],
    [{}, false],
    [{ role: 'a', clusterRole: 'b' }, false],
    [{ clusterRole: 'view', serviceAccountToken: true, subjectKind: 'Group' }, false],
    [{ clusterRole: 'view/../admin' }, false],
    [{ clusterRole: 'view', subjectKind: 'ServiceAccount' }, false],
  ])('level config %j valid: %s', (config, ok) => {
    expect(level.safeParse(config).success).toBe(ok);
  });

  it('names objects keycard-<grant id lower-cased>, DNS-1123 safe and at most 63 characters', () => {
    expect(objectNameFor('KC-1234')).toBe('keycard-kc-1234');
    const odd = objectNameFor('KC_42/ü');
    expect(odd).toMatch(/^keycard-kc-42-[0-9a-f]{8}$/);
    expect(objectNameFor('KC_42/ä')).not.toBe(odd);
    const long = objectNameFor(`KC-${'9'.repeat(100)}`);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});
