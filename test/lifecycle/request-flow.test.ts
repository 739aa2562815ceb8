import { afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/core/audit/hash-chain.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { Reply } from '../../src/core/commands/reply.js';
import { tick } from '../../src/core/scheduler/jobs.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const ERIN = 'erin@example.com';
const CAROL = 'carol@example.com';
const DAVE = 'dave@example.com';

describe.each(storeKinds())('request lifecycle on %s', (kind) => {
  let h: Harness;
  afterEach(async () => h?.close());

  const run = (actor: string, text: string): Promise<Reply> =>
    handleCommand(h.deps, { actor, text, origin: { platform: 'console', user: actor } });
  const req = async (n: number) => (await h.deps.store.getRequestByNumber(n))!;
  const auditActions = async (n: number) => {
    const id = (await req(n)).id;
    return (await h.deps.store.readAudit({})).filter((e) => e.requestId === id).map((e) => e.action);
  };

  it('routes a medium request to sre, grants on approval and delivers the credential once', async () => {
    h = await createHarness(kind);
    const submitted = await run(ALICE, '/access demo-db 15m read checking replication lag INC-42');
    expect(submitted).toMatchObject({
      kind: 'request',
      request: { ref: 'KC-1', status: 'pending', tier: 'medium', approverGroups: ['sre'] },
    });
    const card = h.chat.events.find((e) => e.type === 'card');
    expect(card).toMatchObject({ channel: '#access-medium', view: { actions: ['approve', 'deny'], incidentKey: 'INC-42' } });

    const approved = await run(BOB, 'approve KC-1 looks fine');
    expect(approved).toMatchObject({ kind: 'request', request: { status: 'active' } });
    const grant = await req(1);
    expect(grant.expiresAt?.getTime()).toBe(h.clock.now().getTime() + 15 * 60_000);
    expect(grant.credentialFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(h.provider.live.has('KC-1')).toBe(true);
    const credentials = h.chat.dms(ALICE, 'credential');
    expect(credentials).toHaveLength(1);
    expect(await auditActions(1)).toEqual(['request.submitted', 'approval.recorded', 'request.approved', 'grant.activated']);
    // The secret never reaches the audit log.
    expect(JSON.stringify(await h.deps.store.readAudit({}))).not.toContain('s3cret-KC-1');
  });

  it('refuses self-approval, outsiders and repeat decisions, auditing each refusal and changing nothing else', async () => {
    h = await createHarness(kind);
    await run(BOB, '/access demo-db 15m read checking replication lag INC-42');
    expect(await run(BOB, 'approve KC-1')).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('cannot approve your own request'),
    });
    expect(await run(CAROL, 'approve KC-1')).toMatchObject({ kind: 'error', message: expect.stringContaining('needs approval from sre') });
    expect((await req(1)).status).toBe('pending');
    expect(await run(ERIN, 'approve KC-1')).toMatchObject({ request: { status: 'active' } });
    expect(await run(ERIN, 'approve KC-1')).toMatchObject({ kind: 'error', message: expect.stringContaining('already active') });
    const actions = await auditActions(1);
    expect(actions.filter((a) => a === 'approval.refused')).toHaveLength(3);
    expect(actions.filter((a) => a === 'request.approved')).toHaveLength(1);
  });

  it.each([
    ['/access demo-logs 99h read checking', "99h is longer than demo-logs's maximum of 8h; ask for 8h or less"],
    ['/access demo-admin 120m rotate keys', "120m is longer than demo-admin's maximum of 1h"],
    ['/access demo-logs 1d2h read checking', "1d2h is longer than demo-logs's maximum of 8h"],
    ['/access demo-logs 5S read checking', "5s is shorter than demo-logs's minimum of 10s"],
  ])('%s: the refusal quotes the duration as typed', async (text, message) => {
    h = await createHarness(kind);
    expect(await run(ALICE, text)).toMatchObject({ kind: 'error', message: expect.stringContaining(message) });
    expect(await h.deps.store.getRequestByNumber(1)).toBeUndefined();
  });

  it('auto-approves the low tier', async () => {
    h = await createHarness(kind);
    const reply = await run(ALICE, '/access demo-logs 1h read rotate the nightly logs OPS-12 INC-3');
    expect(reply).toMatchObject({ request: { tier: 'low', status: 'active' } });
    expect(await auditActions(1)).toEqual(['request.submitted', 'request.auto_approved', 'grant.activated']);
  });

  it('denies with a reason and tells the requester', async () => {
    h = await createHarness(kind);
    await run(ALICE, '/access demo-db 15m read checking replication lag INC-42');
    expect(await run(BOB, 'deny KC-1')).toMatchObject({ kind: 'error', message: expect.stringContaining('denial needs a reason') });
    expect(await run(BOB, 'deny KC-1 use the read replica instead')).toMatchObject({
      request: { status: 'denied', deniedBy: BOB, decisionNote: 'use the read replica instead' },
    });
    expect(h.chat.dms(ALICE, 'denied')).toHaveLength(1);
    expect(h.provider.calls).toEqual([]);
  });

  it('needs two approvers from distinct groups on the critical tier', async () => {
    h = await createHarness(kind, { start: new Date('2026-11-28T23:00:00Z') });
    const reply = await run(ALICE, '/access demo-admin 30m admin fix');
    expect(reply).toMatchObject({ request: { tier: 'critical', approvalsRequired: 2, distinctGroups: true } });
    expect(await run(CAROL, 'approve KC-1')).toMatchObject({
      request: { status: 'pending', approvalsCounted: 1 },
      note: expect.stringContaining('1 of 2'),
    });
    expect(await run(DAVE, 'approve KC-1')).toMatchObject({ request: { status: 'active' } });
  });

  it('grants break-glass at once where the tier allows it, broadcasts it and asks for a review', async () => {
    h = await createHarness(kind, { start: new Date('2026-11-28T23:00:00Z') });
    expect(await run(ALICE, '/access demo-db 15m read --break-glass lag checks')).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('Break-glass is not allowed'),
    });
    const reply = await run(ALICE, '/access demo-admin 30m admin --break-glass orders are failing INC-77');
    expect(reply).toMatchObject({ request: { status: 'active', breakGlass: true, reviewRequired: true } });
    expect(h.chat.events.some((e) => e.type === 'alert' && e.alert.kind === 'break_glass')).toBe(true);
    expect(h.chat.dms(DAVE, 'break_glass_review')).toHaveLength(1);
    expect(h.chat.dms(ALICE, 'break_glass_review')).toHaveLength(0);
    expect(await run(ALICE, 'review KC-1 fine')).toMatchObject({ kind: 'error', message: expect.stringContaining('own break-glass') });
    expect(await run(DAVE, 'review KC-1 justified by INC-77')).toMatchObject({ request: { reviewedBy: DAVE } });
    expect(await auditActions(1)).toContain('break_glass.reviewed');
  });

  it('times out pending requests after the approval TTL and reminds approvers first', async () => {
    h = await createHarness(kind);
    await run(ALICE, '/access demo-db 15m read checking replication lag INC-42');
    await tick(h.deps, h.clock.advance(44 * 60_000));
    expect(h.chat.dms(undefined, 'approval_reminder')).toHaveLength(0);
    await tick(h.deps, h.clock.advance(2 * 60_000));
    expect(
      h.chat
        .dms(undefined, 'approval_reminder')
        .map((d) => d.to)
        .sort(),
    ).toEqual([BOB, ERIN]);
    await tick(h.deps, h.clock.advance(5 * 60_000));
    expect(h.chat.dms(undefined, 'approval_reminder')).toHaveLength(2);
    await tick(h.deps, h.clock.advance(10 * 60_000));
    expect((await req(1)).status).toBe('timed_out');
    expect(h.chat.dms(ALICE, 'timed_out')).toHaveLength(1);
    expect(await run(BOB, 'approve KC-1')).toMatchObject({ kind: 'error', message: expect.stringContaining('timed out') });
  });

  it('sends expiry notices, extends on request, expires and revokes at the provider', async () => {
    h = await createHarness(kind);
    await run(ALICE, '/access demo-db 30m read checking replication lag INC-42');
    await run(BOB, 'approve KC-1');
    await tick(h.deps, h.clock.advance(19 * 60_000));
    expect(h.chat.dms(ALICE, 'expiry_notice')).toHaveLength(0);
    await tick(h.deps, h.clock.advance(60_000));
    const notice = h.chat.dms(ALICE, 'expiry_notice');
    expect(notice).toHaveLength(1);
    expect(notice[0]!.message).toMatchObject({ remainingMs: 10 * 60_000 });
    const before = (await req(1)).expiresAt!.getTime();
    const ext = await run(ALICE, 'extend KC-1 30m still checking');
    expect(ext).toMatchObject({ request: { kind: 'extension', parentRef: 'KC-1' } });
    const extension = await req(2);
    if (extension.status === 'pending') await run(BOB, 'approve KC-2');
    expect((await req(2)).status).toBe('merged');
    expect((await req(1)).expiresAt!.getTime()).toBe(before + 30 * 60_000);
    expect(h.provider.calls.filter((c) => c.op === 'extend')).toHaveLength(1);
    expect(await run(ALICE, 'extend KC-1 5h more')).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('at most 4h at a time'),
    });
    expect(await run(ALICE, 'extend KC-1 4h more')).toMatchObject({ kind: 'request' });
    if ((await req(3)).status === 'pending') await run(BOB, 'approve KC-3');
    expect(await run(ALICE, 'extend KC-1 4h more')).toMatchObject({ kind: 'error', message: expect.stringContaining('at most 3h') });

    const finalExpiry = (await req(1)).expiresAt!;
    h.clock.set(new Date(finalExpiry.getTime() - 1000));
    await tick(h.deps, h.clock.now());
    expect((await req(1)).status).toBe('active');
    await tick(h.deps, h.clock.advance(1000));
    const ended = await req(1);
    expect(ended.status).toBe('expired');
    expect(ended.endReason).toBe('expired');
    expect(h.provider.live.has('KC-1')).toBe(false);
    expect(h.chat.dms(ALICE, 'ended')).toHaveLength(1);
  });

  it('puts the expiry notice, the extension and the release of an incident-linked grant in the incident thread', async () => {
    h = await createHarness(kind);
    await run(ALICE, '/access demo-db 30m read checking replication lag INC-42');
    await run(BOB, 'approve KC-1');
    await tick(h.deps, h.clock.advance(20 * 60_000));
    await run(ALICE, 'extend KC-1 30m still checking');
    if ((await req(2)).status === 'pending') await run(BOB, 'approve KC-2');
    await run(ALICE, 'release KC-1');
    const lines = h.chat.events.flatMap((e) => (e.type === 'incident' && e.view.ref === 'KC-1' ? [e.text] : []));
    expect(lines).toEqual(
      expect.arrayContaining([
        'KC-1: Access for alice@example.com to demo-db (read) ends in 10m; alice@example.com can extend or release it',
        expect.stringMatching(/^KC-1: Extended by alice@example.com/),
        'KC-1: Revoked by alice@example.com · access removed',
      ]),
    );
    expect(h.chat.events.filter((e) => e.type === 'incident').every((e) => e.type === 'incident' && e.incident.key === 'INC-42')).toBe(
      true,
    );
  });

  it('folds an overlapping request into the active grant without shortening it', async () => {
    h = await createHarness(kind);
    await run(ALICE, '/access demo-db 2h read checking replication lag INC-42');
    await run(BOB, 'approve KC-1');
    const expires = (await req(1)).expiresAt!.getTime();
    await run(ALICE, '/access demo-db 30m read one more look at the lag INC-42');
    if ((await req(2)).status === 'pending') await run(BOB, 'approve KC-2');
    expect((await req(2)).status).toBe('merged');
    expect((await req(1)).expiresAt!.getTime()).toBe(expires);
    expect(h.provider.calls.filter((c) => c.op === 'grant')).toHaveLength(1);
    h.clock.advance(100 * 60_000);
    await run(ALICE, '/access demo-db 1h read longer look INC-42');
    if ((await req(3)).status === 'pending') await run(BOB, 'approve KC-3');
    expect((await req(1)).expiresAt!.getTime()).toBe(h.clock.now().getTime() + 60 * 60_000);
  });

  it('refuses a second pending request for the same resource and level', async () => {
    h = await createHarness(kind);
    await run(ALICE, '/access demo-db 15m read checking replication lag INC-42');
    expect(await run(ALICE, '/access demo-db 15m read again please INC-42')).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('already have KC-1 pending'),
    });
    expect(await run(ALICE, 'cancel KC-1')).toMatchObject({ request: { status: 'cancelled' } });
  });

  it('releases and revokes: the requester releases, approvers revoke, others are refused', async () => {
    h = await createHarness(kind);
    await run(ALICE, '/access demo-db 15m read checking replication lag INC-42');
    await run(BOB, 'approve KC-1');
    expect(await run(CAROL, 'release KC-1')).toMatchObject({ kind: 'error' });
    expect(await run(ALICE, 'release KC-1')).toMatchObject({ request: { status: 'revoked', endReason: 'released', endedBy: ALICE } });
    expect(h.provider.live.size).toBe(0);
    await run(ALICE, '/access demo-db 15m read checking replication lag INC-42');
    await run(BOB, 'approve KC-2');
    expect(await run(ERIN, 'revoke KC-2 suspicious queries')).toMatchObject({
      request: { status: 'revoked', endReason: 'revoked', endedBy: ERIN },
    });
  });

  it('keeps one consistent state when two approvals and a deny arrive at once', async () => {
    h = await createHarness(kind);
    await run(ALICE, '/access demo-db 15m read checking replication lag INC-42');
    const replies = await Promise.all([run(BOB, 'approve KC-1'), run(ERIN, 'approve KC-1'), run(ERIN, 'deny KC-1 not now')]);
    const final = await req(1);
    expect(['active', 'denied']).toContain(final.status);
    const actions = await auditActions(1);
    const decisions = actions.filter((a) => a === 'request.approved' || a === 'request.denied');
    expect(decisions).toHaveLength(1);
    expect(actions.filter((a) => a === 'grant.activated')).toHaveLength(final.status === 'active' ? 1 : 0);
    expect(replies.filter((r) => r.kind === 'error').length).toBeGreaterThanOrEqual(1);
    expect(h.provider.calls.filter((c) => c.op === 'grant').length).toBe(final.status === 'active' ? 1 : 0);
  });

  it('keeps an unbroken audit chain through a whole scenario', async () => {
    h = await createHarness(kind);
    await run(ALICE, '/access demo-db 15m read checking replication lag INC-42');
    await run(BOB, 'approve KC-1');
    await run(ALICE, 'release KC-1');
    const events = await h.deps.store.readAudit({});
    expect(events.length).toBeGreaterThanOrEqual(6);
    expect(verifyChain(events, undefined, 1)).toMatchObject({ ok: true, checked: events.length });
  });
});
