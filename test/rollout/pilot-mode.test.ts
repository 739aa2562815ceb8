import { afterEach, describe, expect, it } from 'vitest';
import { renderCard, renderDirect } from '../../src/chat/console/render.js';
import { verifyChain } from '../../src/core/audit/hash-chain.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import { type Reply, replyText } from '../../src/core/commands/reply.js';
import { reconcile } from '../../src/core/lifecycle/reconcile.js';
import type { Policy } from '../../src/core/policy/schema.js';
import { tick } from '../../src/core/scheduler/jobs.js';
import { statusLine } from '../../src/core/views/format.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';

/** The fixture policy with one resource switched to pilot. */
function pilotPolicy(resource = 'demo-db', mode: 'pilot' | 'enforce' = 'pilot'): Policy {
  const resources = { ...basePolicyInput.resources };
  resources[resource] = { ...resources[resource]!, mode };
  return makePolicy({ resources });
}

describe.each(storeKinds())('pilot mode on %s', (kind) => {
  let h: Harness;
  afterEach(async () => h?.close());

  const run = (actor: string, text: string): Promise<Reply> =>
    handleCommand(h.deps, { actor, text, origin: { platform: 'console', user: actor } });
  const req = async (n: number) => (await h.deps.store.getRequestByNumber(n))!;
  const audit = async (n: number) => {
    const id = (await req(n)).id;
    return (await h.deps.store.readAudit({})).filter((e) => e.requestId === id);
  };

  it('runs the whole lifecycle (route, approve, notice, expiry) without calling the provider, and says so', async () => {
    h = await createHarness(kind, { policy: pilotPolicy() });
    const submitted = await run(ALICE, '/access demo-db 30m read checking replication lag INC-42');
    // Routed exactly as in enforce: medium tier, one approval from sre.
    expect(submitted).toMatchObject({ kind: 'request', request: { ref: 'KC-1', status: 'pending', tier: 'medium', pilot: true } });
    expect(replyText(submitted, h.clock.now())).toContain('PILOT: demo-db is in pilot mode');
    const card = h.chat.events.find((e) => e.type === 'card');
    expect(card).toMatchObject({ channel: '#access-medium', view: { pilot: true, actions: ['approve', 'deny'] } });

    const approved = await run(BOB, 'approve KC-1 fine');
    expect(approved).toMatchObject({ request: { status: 'active', pilot: true } });
    expect(replyText(approved, h.clock.now())).toContain('no credential (pilot)');
    const grant = await req(1);
    expect(grant.expiresAt?.getTime()).toBe(h.clock.now().getTime() + 30 * 60_000);
    expect(grant.credentialFingerprint).toBeNull();
    expect(h.provider.calls).toEqual([]);

    // The requester is told plainly, by DM instead of a credential; the card status says it too.
    expect(h.chat.dms(ALICE, 'credential')).toHaveLength(0);
    const info = h.chat.dms(ALICE, 'info');
    expect(info).toHaveLength(1);
    expect(info[0]!.message).toMatchObject({ text: expect.stringContaining('PILOT mode: Keycard granted nothing') });
    const updated = h.chat.events.filter((e) => e.type === 'card').at(-1);
    if (updated?.type !== 'card') throw new Error('no card update');
    expect(statusLine(updated.view, h.clock.now())).toMatch(/^PILOT: would be active until .* no access was granted$/);
    expect(renderCard(updated.view, h.clock.now(), true)[0]).toContain('PILOT (nothing is granted)');
    const threads = h.chat.events.filter((e) => e.type === 'thread').map((e) => (e.type === 'thread' ? e.text : ''));
    expect(threads.some((t) => t.startsWith('PILOT: would grant access until'))).toBe(true);

    // Notices run as in enforce, then expiry ends the window without a provider call.
    await tick(h.deps, h.clock.advance(20 * 60_000));
    const notice = h.chat.dms(ALICE, 'expiry_notice');
    expect(notice).toHaveLength(1);
    expect(renderDirect(notice[0]!.message, h.clock.now())[0]).toContain('pilot window');
    await tick(h.deps, h.clock.advance(10 * 60_000));
    expect((await req(1)).status).toBe('expired');
    const ended = h.chat.dms(ALICE, 'ended');
    expect(ended).toHaveLength(1);
    expect(statusLine(ended[0]!.message.request!, h.clock.now())).toContain('no access had been granted');
    expect(h.provider.calls).toEqual([]);

    // Every decision and transition is marked in the audit log; action names stay the enforce ones.
    const events = await audit(1);
    expect(events.map((e) => e.action)).toEqual([
      'request.submitted',
      'approval.recorded',
      'request.approved',
      'grant.activated',
      'grant.notice_sent',
      'grant.revoking',
      'grant.expired',
    ]);
    for (const event of events.filter((e) => e.action !== 'grant.notice_sent')) expect(event.details.pilot).toBe(true);
    expect(events.find((e) => e.action === 'grant.activated')?.details).toMatchObject({ fingerprint: null, wouldGrant: { level: 'read' } });
    const all = await h.deps.store.readAudit({});
    expect(verifyChain(all, undefined, 1)).toMatchObject({ ok: true });
  });

  it('auto-approves, extends and releases a pilot grant with no provider call', async () => {
    h = await createHarness(kind, { policy: pilotPolicy('demo-logs') });
    const reply = await run(ALICE, '/access demo-logs 1h read rotate the nightly logs OPS-12 INC-3');
    expect(reply).toMatchObject({ request: { tier: 'low', status: 'active', pilot: true } });
    const extension = await run(ALICE, 'extend KC-1 30m still rotating');
    expect(extension).toMatchObject({ kind: 'request', request: { kind: 'extension', pilot: true } });
    if ((await req(2)).status === 'pending') await run(BOB, 'approve KC-2');
    expect((await req(2)).status).toBe('merged');
    expect(await run(ALICE, 'release KC-1')).toMatchObject({ request: { status: 'revoked', endReason: 'released', pilot: true } });
    expect(h.provider.calls).toEqual([]);
    expect((await audit(1)).map((e) => [e.action, e.details.pilot])).toEqual([
      ['request.submitted', true],
      ['request.auto_approved', true],
      ['grant.activated', true],
      ['grant.extended', true],
      ['grant.revoking', true],
      ['grant.revoked', true],
    ]);
  });

  it('keeps enforce events unmarked and never folds a real request into a pilot grant (or the reverse)', async () => {
    h = await createHarness(kind, { policy: pilotPolicy() });
    await run(ALICE, '/access demo-db 2h read checking replication lag INC-42');
    await run(BOB, 'approve KC-1');
    expect(h.provider.calls).toEqual([]);

    // The team switches demo-db to enforce while the pilot grant is still running.
    const enforce = pilotPolicy('demo-db', 'enforce');
    h.deps.policy = () => enforce;
    await run(ALICE, '/access demo-db 30m read one more look at the lag INC-42');
    if ((await req(2)).status === 'pending') await run(BOB, 'approve KC-2');
    const real = await req(2);
    expect(real).toMatchObject({ status: 'active', parentId: null });
    expect(real.origin.pilot).toBeUndefined();
    expect(h.provider.calls).toEqual([{ op: 'grant', grantId: 'KC-2' }]);
    expect((await audit(2)).every((e) => e.details.pilot === undefined)).toBe(true);

    // Reconciliation does not flag the pilot grant as missing at the target; the real one is there.
    const report = await reconcile(h.deps, h.clock.now(), { dryRun: true, resource: 'demo-db' });
    expect(report.missing).toEqual([]);

    // The pilot grant still ends without a provider call, though the resource is now enforced.
    expect(await run(ALICE, 'release KC-1')).toMatchObject({ request: { status: 'revoked', pilot: true } });
    expect(h.provider.calls).toEqual([{ op: 'grant', grantId: 'KC-2' }]);
  });

  it('ignores a pilot mark sent by a chat adapter: only the policy decides', async () => {
    h = await createHarness(kind);
    await handleCommand(h.deps, {
      actor: ALICE,
      text: '/access demo-logs 1h read rotate the nightly logs OPS-12 INC-3',
      origin: { platform: 'console', user: ALICE, pilot: true },
    });
    expect((await req(1)).origin.pilot).toBeUndefined();
    expect(h.provider.calls).toEqual([{ op: 'grant', grantId: 'KC-1' }]);
  });
});
