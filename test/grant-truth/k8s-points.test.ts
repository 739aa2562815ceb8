import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reconcileText } from '../../src/cli/reconcile-text.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import { reconcile } from '../../src/core/lifecycle/reconcile.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { tick } from '../../src/core/scheduler/jobs.js';
import { createKubernetesProvider } from '../../src/providers/kubernetes/index.js';
import { type FakeCluster, startFakeCluster } from '../fixtures/kubernetes/fake-cluster.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const TOKEN = 'keycard-sa-token';
const config = { server: 'https://kube.test:6443', tokenEnv: 'KC_TEST_K8S_TOKEN', namespace: 'payments' };
const levels = { read: { clusterRole: 'view' } };
const APPROVERS = ['carol@example.com', 'dave@example.com', 'bob@example.com'];
const RB = '/apis/rbac.authorization.k8s.io/v1/namespaces/payments/rolebindings';

/**
 * The Kubernetes provider at the points k8s-reconcile.test.ts does not cover: overlap merge, a copied
 * (forged) label, standing access through a binding to the level's ClusterRole, a revoke that fails while
 * Keycard's token is refused and heals when it works again, and a missing token. The API server is the
 * nock fake (test/fixtures/kubernetes/fake-cluster.ts).
 */
describe('kubernetes grant truth: merge, forged labels, standing access, revoke healing', () => {
  let h: Harness;
  let cluster: FakeCluster;
  const env: Record<string, string | undefined> = {};
  const k8s = createKubernetesProvider({ log: silentLogger, env });
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    nock.cleanAll();
    env.KC_TEST_K8S_TOKEN = TOKEN;
    cluster = startFakeCluster({ token: TOKEN });
  });
  afterEach(async () => h?.close());
  const run = (actor: string, text: string) => handleCommand(h.deps, { actor, text, origin: { platform: 'console', user: actor } });
  const approve = async (n: number) => {
    for (const a of APPROVERS) if ((await h.deps.store.getRequestByNumber(n))?.status === 'pending') await run(a, `approve KC-${n}`);
    return (await h.deps.store.getRequestByNumber(n))!;
  };
  const grantActive = async (unknown: 'report' | 'revoke' = 'report') => {
    const policy = makePolicy({
      resources: {
        ...basePolicyInput.resources,
        'prod-k8s': { provider: 'kubernetes', sensitivity: 'high', levels, minDuration: '10s', maxDuration: '4h', config },
      },
      reconcile: { every: '5m', unknown },
    });
    h = await createHarness('pglite', { policy, providers: { kubernetes: k8s }, start: new Date() });
    await run('alice@example.com', '/access prod-k8s 30m read checking pods INC-7');
    const grant = await approve(1);
    expect(grant.status).toBe('active');
    return grant;
  };
  const expiryAnnotation = (name: string) =>
    (cluster.get('rolebindings', name, 'payments')?.metadata.annotations as Record<string, string> | undefined)?.['keycard.dev/expires-at'];
  /** A binding someone made by copying Keycard's labels and annotations from Alice's KC-1 onto their own. */
  const seedForgedCopy = (name: string, user: string) => {
    const original = cluster.get('rolebindings', 'keycard-kc-1', 'payments')!;
    cluster.seed('rolebindings', {
      kind: 'RoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: {
        name,
        namespace: 'payments',
        labels: { ...original.metadata.labels },
        annotations: { ...(original.metadata.annotations as Record<string, string>), 'keycard.dev/requester': user },
      },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    });
  };

  it('an overlap merge moves the binding’s expiry annotation like an extension', async () => {
    const grant = await grantActive();
    expect(expiryAnnotation('keycard-kc-1')).toBe(grant.expiresAt?.toISOString());
    h.clock.advance(10 * 60_000);
    await run('alice@example.com', '/access prod-k8s 2h read follow-up on INC-7');
    expect((await approve(2)).status).toBe('merged');
    const merged = (await h.deps.store.getRequestByNumber(1))!.expiresAt!;
    expect(merged.getTime()).toBe(h.clock.now().getTime() + 2 * 3_600_000);
    expect(expiryAnnotation('keycard-kc-1')).toBe(merged.toISOString());
    expect(cluster.requests.filter((r) => r.method === 'PUT' && r.path === `${RB}/keycard-kc-1`)).toHaveLength(1);
  });

  it('a copied label is drift (not Alice’s grant), a hand-made binding to the level’s role is standing access', async () => {
    await grantActive();
    seedForgedCopy('keycard-kc-1-copy', 'mallory@example.com');
    // Made by hand with kubectl: a binding of the level's ClusterRole, without Keycard's labels.
    cluster.seed('rolebindings', {
      kind: 'RoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: 'oncall-view', namespace: 'payments' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'backdoor@example.com' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    });

    const first = await reconcile(h.deps, h.clock.advance(1_000));
    expect(first.orphans).toEqual([
      {
        resource: 'prod-k8s',
        grantId: 'KC-1',
        principal: 'mallory@example.com',
        known: 'active',
        reason: 'label_mismatch',
        action: 'reported',
      },
    ]);
    expect(first.missing).toEqual([]);
    expect(first.standing).toEqual([
      { resource: 'prod-k8s', level: 'read', principal: 'backdoor@example.com', via: 'RoleBinding payments/oncall-view', isNew: true },
    ]);
    const alerts = h.chat.events.flatMap((e) => (e.type === 'alert' ? [e.alert.text] : []));
    expect(alerts.join('\n')).toContain('forged or copied label');
    expect(alerts.join('\n')).toContain('backdoor@example.com has standing access outside Keycard');
    const text = reconcileText(first).out.join('\n');
    expect(text).toContain('drift    prod-k8s KC-1 mallory@example.com · label names a live grant but this is not its object');
    expect(text).toContain('standing prod-k8s (read) backdoor@example.com · RoleBinding payments/oncall-view');
    expect(text).not.toContain('No drift');

    // Once per finding.
    const before = h.chat.events.filter((e) => e.type === 'alert').length;
    await reconcile(h.deps, h.clock.advance(300_000));
    expect(h.chat.events.filter((e) => e.type === 'alert').length).toBe(before);

    // Revoke mode removes the copy as the object the cluster reported, never Alice's binding.
    const third = await reconcile(h.deps, h.clock.advance(1_000), { mode: 'revoke' });
    expect(third.orphans).toMatchObject([{ grantId: 'KC-1', reason: 'label_mismatch', action: 'revoked' }]);
    expect(cluster.get('rolebindings', 'keycard-kc-1-copy', 'payments')).toBeUndefined();
    expect(cluster.get('rolebindings', 'keycard-kc-1', 'payments')).toBeDefined();
    expect(cluster.get('rolebindings', 'oncall-view', 'payments')).toBeDefined();
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('active');
  });

  it('a revoke refused while Keycard’s token is rejected escalates, counts as drift, and heals within one interval', async () => {
    await grantActive();
    env.KC_TEST_K8S_TOKEN = 'rotated-token-not-yet-deployed';
    await run('alice@example.com', 'release KC-1 done');
    for (let s = 0; s < 600; s += 1) await tick(h.deps, h.clock.advance(1_000));
    const failing = (await h.deps.store.getRequestByNumber(1))!;
    expect(failing.status).toBe('revoke_failed');
    expect(failing.attempts).toBeGreaterThanOrEqual(7);
    expect(failing.lastError).toMatch(/401|[Uu]nauthori[sz]ed|auth/);
    expect(cluster.get('rolebindings', 'keycard-kc-1', 'payments')).toBeDefined();
    expect(h.chat.dms(undefined, 'revoke_failed').length).toBeGreaterThan(0);
    // Reconciliation with the same refused token cannot list the cluster: it says so, and still counts the failing revoke.
    const drift = await reconcile(h.deps, h.clock.now());
    expect(drift.errors).toMatchObject([{ resource: 'prod-k8s' }]);
    expect(drift.orphans).toMatchObject([{ grantId: 'KC-1', reason: 'revoke_failed', action: 'retrying' }]);
    expect(reconcileText(drift).out.join('\n')).not.toContain('No drift');

    env.KC_TEST_K8S_TOKEN = TOKEN;
    const restoredAt = h.clock.now().getTime();
    let healedAfterMs = -1;
    for (let s = 0; s < 400 && healedAfterMs < 0; s += 1) {
      await tick(h.deps, h.clock.advance(1_000));
      if ((await h.deps.store.getRequestByNumber(1))?.status === 'revoked') healedAfterMs = h.clock.now().getTime() - restoredAt;
    }
    expect(healedAfterMs).toBeGreaterThan(0);
    expect(healedAfterMs).toBeLessThanOrEqual(h.deps.policy().revocation.maxBackoff);
    console.info(
      `kubernetes: revoke healed ${healedAfterMs / 1000} s (simulated) after the target came back; ${(await h.deps.store.getRequestByNumber(1))?.attempts} attempts`,
    );
    expect(cluster.get('rolebindings', 'keycard-kc-1', 'payments')).toBeUndefined();
    expect((await reconcile(h.deps, h.clock.advance(1_000))).orphans).toEqual([]);
  }, 120_000);

  it('a ServiceAccount-token grant cannot be extended: the extension is refused and the holder told to get a fresh token', async () => {
    const policy = makePolicy({
      resources: {
        ...basePolicyInput.resources,
        'prod-k8s': {
          provider: 'kubernetes',
          sensitivity: 'high',
          levels: { read: { clusterRole: 'view', serviceAccountToken: true } },
          minDuration: '10s',
          maxDuration: '4h',
          config,
        },
      },
    });
    h = await createHarness('pglite', { policy, providers: { kubernetes: k8s }, start: new Date() });
    await run('alice@example.com', '/access prod-k8s 30m read checking pods INC-7');
    const grant = await approve(1);
    expect(grant.status).toBe('active');
    await run('alice@example.com', 'extend KC-1 30m more');
    const ext = await approve(2);
    expect(ext.status).toBe('failed');
    expect(ext.lastError).toContain('release it and request access again for a fresh token');
    expect((await h.deps.store.getRequestByNumber(1))?.expiresAt?.getTime()).toBe(grant.expiresAt?.getTime());
    const told = h.chat.dms('alice@example.com', 'failed');
    expect(told).toHaveLength(1);
    expect(cluster.requests.filter((r) => r.method === 'PUT')).toEqual([]);
  });

  it('without Keycard’s token the pass says it could not check the cluster, never "No drift", and marks nothing lost', async () => {
    await grantActive();
    delete env.KC_TEST_K8S_TOKEN;
    const report = await reconcile(h.deps, h.clock.advance(1_000));
    expect(report.errors).toEqual([{ resource: 'prod-k8s', error: expect.stringContaining('set KC_TEST_K8S_TOKEN') }]);
    expect(report.missing).toEqual([]);
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('active');
    const text = reconcileText(report);
    expect(text.out.join('\n')).not.toContain('No drift');
    expect(text.err.join('\n')).toContain('error    prod-k8s');
  });
});
