import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { reconcile } from '../../src/core/lifecycle/reconcile.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createWebhookProvider } from '../../src/providers/webhook/index.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { type FakeReceiver, startFakeReceiver } from '../providers/webhook/fake-receiver.js';

const SECRET = 'whsec_test_0123456789';
const APPROVERS = ['carol@example.com', 'dave@example.com', 'bob@example.com'];

/** The webhook provider at the same points: signed extend moves the receiver's expiry, drift and lost grants are found. */
describe('webhook grant truth', () => {
  let h: Harness;
  let receiver: FakeReceiver;
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1/);
  });
  afterAll(() => nock.enableNetConnect());
  afterEach(async () => {
    await h?.close();
    await receiver?.close();
  });
  const run = (actor: string, text: string) => handleCommand(h.deps, { actor, text, origin: { platform: 'console' } });

  it('extends through the signed extend call, reports an unknown grant, and marks a vanished one lost', async () => {
    receiver = await startFakeReceiver(SECRET);
    const config = { url: receiver.url };
    const webhook = createWebhookProvider({ log: silentLogger, clock: { now: () => new Date() } }, { sleep: async () => {} });
    const policy = makePolicy({
      resources: {
        ...basePolicyInput.resources,
        billing: {
          provider: 'webhook',
          sensitivity: 'high',
          connection: 'env:BILLING_SECRET',
          levels: { read: {} },
          minDuration: '10s',
          config,
        },
      },
    });
    h = await createHarness('pglite', { policy, providers: { webhook }, start: new Date() });
    h.deps.resolveSecret = (ref) => (ref === 'env:BILLING_SECRET' ? SECRET : undefined);
    const approve = async (n: number) => {
      for (const a of APPROVERS) if ((await h.deps.store.getRequestByNumber(n))?.status === 'pending') await run(a, `approve KC-${n}`);
    };
    await run('alice@example.com', '/access billing 30m read refund stuck INC-8');
    await approve(1);
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('active');
    await run('alice@example.com', 'extend KC-1 30m more');
    await approve(2);
    const grant = (await h.deps.store.getRequestByNumber(1))!;
    expect(receiver.requests.find((r) => r.body.action === 'extend')?.body.expiresAt).toBe(grant.expiresAt?.toISOString());

    const base = {
      requester: 'mallory@example.com',
      resource: 'billing',
      level: 'read',
      levelConfig: {},
      resourceConfig: config,
      connection: SECRET,
    };
    const now = h.clock.now();
    await webhook.grant({ ...base, grantId: 'KC-77', now, expiresAt: new Date(now.getTime() + 3_600_000) });
    await webhook.revoke({ ...base, grantId: 'KC-1', ref: grant.grantRef, now });
    const report = await reconcile(h.deps, h.clock.advance(1_000));
    expect(report.orphans).toMatchObject([{ grantId: 'KC-77', reason: 'no_live_grant', action: 'reported' }]);
    expect(report.missing).toMatchObject([{ grantId: 'KC-1', action: 'marked_lost' }]);
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('lost');
  });
});
