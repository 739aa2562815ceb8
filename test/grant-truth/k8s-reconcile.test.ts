import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { reconcile } from '../../src/core/lifecycle/reconcile.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createKubernetesProvider } from '../../src/providers/kubernetes/index.js';
import { startFakeCluster } from '../fixtures/kubernetes/fake-cluster.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const TOKEN = 'keycard-sa-token';
const config = { server: 'https://kube.test:6443', tokenEnv: 'KC_TEST_K8S_TOKEN', namespace: 'payments' };
const APPROVERS = ['carol@example.com', 'dave@example.com', 'bob@example.com'];

/** Reconciliation and extend against the Kubernetes API (nock fake at the HTTP edge), at the same points as Postgres. */
describe('kubernetes grant truth', () => {
  let h: Harness;
  const k8s = createKubernetesProvider({ log: silentLogger, env: { KC_TEST_K8S_TOKEN: TOKEN } });
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    nock.cleanAll();
    startFakeCluster({ token: TOKEN });
  });
  afterEach(async () => h?.close());
  const run = (actor: string, text: string) => handleCommand(h.deps, { actor, text, origin: { platform: 'console' } });
  const levelInput = (grantId: string) => ({
    grantId,
    requester: 'mallory@example.com',
    resource: 'prod-k8s',
    level: 'read',
    levelConfig: { clusterRole: 'view' },
    resourceConfig: config,
  });

  it('extends the binding, reports a Keycard-labelled binding no grant backs, and marks a deleted binding lost', async () => {
    const policy = makePolicy({
      resources: {
        ...basePolicyInput.resources,
        'prod-k8s': { provider: 'kubernetes', sensitivity: 'high', levels: { read: { clusterRole: 'view' } }, minDuration: '10s', config },
      },
    });
    h = await createHarness('pglite', { policy, providers: { kubernetes: k8s }, start: new Date() });
    await run('alice@example.com', '/access prod-k8s 30m read checking pods INC-7');
    for (const a of APPROVERS) if ((await h.deps.store.getRequestByNumber(1))?.status === 'pending') await run(a, 'approve KC-1');
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('active');

    await run('alice@example.com', 'extend KC-1 30m more');
    for (const a of APPROVERS) if ((await h.deps.store.getRequestByNumber(2))?.status === 'pending') await run(a, 'approve KC-2');
    const extended = (await h.deps.store.getRequestByNumber(1))!;
    const listed = await k8s.list({ resource: 'prod-k8s', resourceConfig: config, levels: { read: { clusterRole: 'view' } } });
    expect(listed.find((g) => g.grantId === 'KC-1')?.expiresAt?.getTime()).toBe(extended.expiresAt?.getTime());

    // A binding with Keycard's labels that Keycard never granted.
    const now = h.clock.now();
    await k8s.grant({ ...levelInput('KC-77'), now, expiresAt: new Date(now.getTime() + 3_600_000) });
    const first = await reconcile(h.deps, h.clock.advance(1_000));
    expect(first.orphans).toMatchObject([{ grantId: 'KC-77', known: 'unknown', reason: 'no_live_grant', action: 'reported' }]);
    expect(first.missing).toEqual([]);

    // Alice's binding deleted behind Keycard's back: the grant becomes lost.
    await k8s.revoke({ ...levelInput('KC-1'), requester: 'alice@example.com', ref: extended.grantRef, now });
    const second = await reconcile(h.deps, h.clock.advance(1_000), { mode: 'revoke' });
    expect(second.missing).toMatchObject([{ grantId: 'KC-1', action: 'marked_lost' }]);
    expect(second.orphans).toMatchObject([{ grantId: 'KC-77', action: 'revoked' }]);
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('lost');
    expect(await k8s.list({ resource: 'prod-k8s', resourceConfig: config, levels: {} })).toEqual([]);
  });
});
