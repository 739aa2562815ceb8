import { afterEach, describe, expect, it } from 'vitest';
import { reconcileText } from '../../src/cli/reconcile-text.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import { reconcile } from '../../src/core/lifecycle/reconcile.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { tick } from '../../src/core/scheduler/jobs.js';
import { createWebhookProvider, verifyWebhookSignature } from '../../src/providers/webhook/index.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const SECRET = 'whsec_test_0123456789';
const URL_ = 'https://access.example.test/keycard';
const APPROVERS = ['carol@example.com', 'dave@example.com', 'bob@example.com'];

interface Held {
  grantId: string;
  principal: string;
  expiresAt: string;
  ref: { account: string };
}

/**
 * A receiver of the documented contract as a fetch function: it checks every signature, keeps grants in
 * memory, answers list and the optional inventory, and can be taken down (503) and brought back.
 */
function receiverFetch() {
  const state = {
    grants: new Map<string, Held>(),
    standing: [] as Array<{ level: string; principal: string; via: string; kind?: 'user' | 'group' }>,
    down: false,
    /** Answer extend with 501, as a receiver that does not implement it. */
    noExtend: false,
    calls: [] as Array<{ action: string; grantId?: string; expiresAt?: string }>,
  };
  const reply = (status: number, body?: unknown) => new Response(body === undefined ? null : JSON.stringify(body), { status });
  const fetch: typeof globalThis.fetch = async (_url, init) => {
    const raw = String(init?.body ?? '');
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const signed = verifyWebhookSignature({
      secret: SECRET,
      body: raw,
      timestamp: headers['X-Keycard-Timestamp'],
      signature: headers['X-Keycard-Signature'],
      nowSec: Math.floor(Date.now() / 1000),
    });
    if (!signed) return reply(401, { error: 'bad signature' });
    const body = JSON.parse(raw) as Record<string, unknown>;
    const grantId = typeof body.grantId === 'string' ? body.grantId : undefined;
    state.calls.push({
      action: String(body.action),
      ...(grantId ? { grantId } : {}),
      ...(typeof body.expiresAt === 'string' ? { expiresAt: body.expiresAt } : {}),
    });
    if (state.down) return reply(503, { error: 'maintenance' });
    switch (body.action) {
      case 'grant': {
        const principal = `svc-${String(grantId).toLowerCase()}`;
        state.grants.set(String(grantId), {
          grantId: String(grantId),
          principal,
          expiresAt: String(body.expiresAt),
          ref: { account: principal },
        });
        return reply(200, {
          ref: { account: principal },
          credential: { summary: `token for ${principal}`, secret: `tok-${principal}-x9` },
        });
      }
      case 'extend': {
        if (state.noExtend) return reply(501, { error: 'extend is not implemented' });
        const held = state.grants.get(String(grantId));
        if (!held) return reply(404, { error: 'no such grant' });
        held.expiresAt = String(body.expiresAt);
        return reply(204);
      }
      case 'revoke': {
        // The receiver revokes the account the ref names (a forged entry is removed as itself).
        const account = (body.ref as { account?: string } | null)?.account;
        for (const [key, held] of state.grants)
          if (held.grantId === grantId && (!account || held.ref.account === account)) state.grants.delete(key);
        return reply(204);
      }
      case 'list':
        return reply(200, { grants: [...state.grants.values()] });
      case 'inventory':
        return reply(200, { standing: state.standing });
      default:
        return reply(400, { error: 'unknown action' });
    }
  };
  return { state, fetch };
}

/**
 * The webhook provider at the points webhook-reconcile.test.ts does not cover: overlap merge, a forged
 * entry (the receiver lists an account under a live grant's id that is not the account Keycard recorded),
 * standing access from the optional inventory call, a revoke failing while the receiver is down and healing
 * when it is back, and a missing signing secret.
 */
describe('webhook grant truth: merge, forged entries, standing access, revoke healing', () => {
  let h: Harness;
  let secretSet = true;
  afterEach(async () => h?.close());
  const run = (actor: string, text: string) => handleCommand(h.deps, { actor, text, origin: { platform: 'console', user: actor } });
  const approve = async (n: number) => {
    for (const a of APPROVERS) if ((await h.deps.store.getRequestByNumber(n))?.status === 'pending') await run(a, `approve KC-${n}`);
    return (await h.deps.store.getRequestByNumber(n))!;
  };
  const setUp = async () => {
    const receiver = receiverFetch();
    const webhook = createWebhookProvider(
      { log: silentLogger, clock: { now: () => new Date() } },
      { fetch: receiver.fetch, sleep: async () => {} },
    );
    const policy = makePolicy({
      resources: {
        ...basePolicyInput.resources,
        billing: {
          provider: 'webhook',
          sensitivity: 'high',
          connection: 'env:BILLING_SECRET',
          levels: { read: {} },
          minDuration: '10s',
          maxDuration: '4h',
          config: { url: URL_, retries: 1 },
        },
      },
    });
    h = await createHarness('pglite', { policy, providers: { webhook }, start: new Date() });
    secretSet = true;
    h.deps.resolveSecret = (ref) => (ref === 'env:BILLING_SECRET' && secretSet ? SECRET : undefined);
    await run('alice@example.com', '/access billing 30m read refund stuck INC-8');
    expect((await approve(1)).status).toBe('active');
    return receiver;
  };

  it('an overlap merge sends the signed extend with the merged expiry', async () => {
    const { state } = await setUp();
    h.clock.advance(10 * 60_000);
    await run('alice@example.com', '/access billing 2h read follow-up on INC-8');
    expect((await approve(2)).status).toBe('merged');
    const merged = (await h.deps.store.getRequestByNumber(1))!.expiresAt!;
    expect(merged.getTime()).toBe(h.clock.now().getTime() + 2 * 3_600_000);
    expect(state.calls.filter((c) => c.action === 'extend')).toEqual([
      { action: 'extend', grantId: 'KC-1', expiresAt: merged.toISOString() },
    ]);
    expect(state.grants.get('KC-1')?.expiresAt).toBe(merged.toISOString());
  });

  it('a receiver that does not implement extend (501) makes Keycard refuse the extension; the expiry stays', async () => {
    const { state } = await setUp();
    state.noExtend = true;
    const before = (await h.deps.store.getRequestByNumber(1))!.expiresAt!;
    await run('alice@example.com', 'extend KC-1 30m more');
    const ext = await approve(2);
    expect(ext.status).toBe('failed');
    expect(ext.lastError).toContain('does not implement extend (answered 501)');
    expect((await h.deps.store.getRequestByNumber(1))!.expiresAt?.getTime()).toBe(before.getTime());
    expect(state.grants.get('KC-1')?.expiresAt).toBe(before.toISOString());
    expect(h.chat.dms('alice@example.com', 'failed')).toHaveLength(1);
  });

  it('a forged entry naming a live grant is drift, an unknown id is drift, standing access is reported once', async () => {
    const { state } = await setUp();
    // Someone at the receiver labelled their own account with Alice's live grant id, and another with an id Keycard never gave.
    state.grants.set('forged', {
      grantId: 'KC-1',
      principal: 'svc-mallory',
      expiresAt: '2030-01-01T00:00:00.000Z',
      ref: { account: 'svc-mallory' },
    });
    state.grants.set('KC-77', {
      grantId: 'KC-77',
      principal: 'svc-eve',
      expiresAt: '2030-01-01T00:00:00.000Z',
      ref: { account: 'svc-eve' },
    });
    state.standing = [{ level: 'read', principal: 'finance-bots', via: 'API key in the billing admin UI', kind: 'group' }];

    const first = await reconcile(h.deps, h.clock.advance(1_000));
    const drift = first.orphans.map((o) => [o.grantId, o.principal, o.reason, o.action]).sort();
    expect(drift).toEqual([
      ['KC-1', 'svc-mallory', 'label_mismatch', 'reported'],
      ['KC-77', 'svc-eve', 'no_live_grant', 'reported'],
    ]);
    expect(first.missing).toEqual([]);
    expect(first.standing).toEqual([
      { resource: 'billing', level: 'read', principal: 'finance-bots', via: 'API key in the billing admin UI', isNew: true },
    ]);
    const alerts = () => h.chat.events.flatMap((e) => (e.type === 'alert' ? [e.alert.text] : []));
    expect(alerts().join('\n')).toContain('forged or copied label');
    expect(alerts().join('\n')).toContain('finance-bots has standing access outside Keycard');
    const text = reconcileText(first).out.join('\n');
    expect(text).toContain('drift    billing KC-1 svc-mallory · label names a live grant but this is not its object');
    expect(text).toContain('drift    billing KC-77 svc-eve · no live grant');
    expect(text).toContain('standing billing (read) finance-bots · API key in the billing admin UI');
    expect(text).not.toContain('No drift');
    const count = alerts().length;
    await reconcile(h.deps, h.clock.advance(300_000));
    expect(alerts()).toHaveLength(count);

    // Revoke mode: both go, revoked as the entries the receiver reported; Alice's account stays.
    const third = await reconcile(h.deps, h.clock.advance(1_000), { mode: 'revoke' });
    expect(third.orphans.map((o) => o.action)).toEqual(['revoked', 'revoked']);
    expect(
      state.calls
        .filter((c) => c.action === 'revoke')
        .map((c) => c.grantId)
        .sort(),
    ).toEqual(['KC-1', 'KC-77']);
    expect([...state.grants.values()].map((g) => g.principal)).toEqual(['svc-kc-1']);
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('active');
  });

  it('a revoke failing while the receiver is down escalates, counts as drift, and heals within one interval', async () => {
    const { state } = await setUp();
    state.down = true;
    await run('alice@example.com', 'release KC-1 done');
    for (let s = 0; s < 600; s += 1) await tick(h.deps, h.clock.advance(1_000));
    const failing = (await h.deps.store.getRequestByNumber(1))!;
    expect(failing.status).toBe('revoke_failed');
    expect(failing.attempts).toBeGreaterThanOrEqual(7);
    expect(failing.lastError).toContain('503');
    expect(state.grants.has('KC-1')).toBe(true);
    expect(h.chat.dms(undefined, 'revoke_failed').length).toBeGreaterThan(0);
    const drift = await reconcile(h.deps, h.clock.now());
    expect(drift.orphans).toMatchObject([{ grantId: 'KC-1', reason: 'revoke_failed', action: 'retrying' }]);
    expect(reconcileText(drift).out.join('\n')).not.toContain('No drift');

    state.down = false;
    const restoredAt = h.clock.now().getTime();
    let healedAfterMs = -1;
    for (let s = 0; s < 400 && healedAfterMs < 0; s += 1) {
      await tick(h.deps, h.clock.advance(1_000));
      if ((await h.deps.store.getRequestByNumber(1))?.status === 'revoked') healedAfterMs = h.clock.now().getTime() - restoredAt;
    }
    expect(healedAfterMs).toBeGreaterThan(0);
    expect(healedAfterMs).toBeLessThanOrEqual(h.deps.policy().revocation.maxBackoff);
    console.info(
      `webhook: revoke healed ${healedAfterMs / 1000} s (simulated) after the target came back; ${(await h.deps.store.getRequestByNumber(1))?.attempts} attempts`,
    );
    expect(state.grants.has('KC-1')).toBe(false);
    expect((await reconcile(h.deps, h.clock.advance(1_000))).orphans).toEqual([]);
  }, 120_000);

  it('without the signing secret the pass says it could not check the receiver, never "No drift"', async () => {
    await setUp();
    secretSet = false;
    const report = await reconcile(h.deps, h.clock.advance(1_000));
    expect(report.errors).toEqual([{ resource: 'billing', error: 'env:BILLING_SECRET is not set' }]);
    expect(report.missing).toEqual([]);
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('active');
    const text = reconcileText(report);
    expect(text.out.join('\n')).not.toContain('No drift');
    expect(text.err).toEqual(['  error    billing: env:BILLING_SECRET is not set']);
  });
});
