import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { Reply } from '../../src/core/commands/reply.js';
import { mayRevokeOthers, revokersOf } from '../../src/core/lifecycle/revokers.js';
import { tick } from '../../src/core/scheduler/jobs.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const CAROL = 'carol@example.com';
const DAVE = 'dave@example.com';

describe.each(storeKinds())('lifecycle edges on %s', (kind) => {
  let h: Harness;
  afterEach(async () => h?.close());
  const run = (actor: string, text: string): Promise<Reply> =>
    handleCommand(h.deps, { actor, text, origin: { platform: 'console', user: actor } });
  const req = async (n: number) => (await h.deps.store.getRequestByNumber(n))!;

  it('ending a grant cancels its pending extension and updates the extension’s card', async () => {
    h = await createHarness(kind);
    await run(ALICE, '/access demo-db 15m read checking replication lag INC-42');
    await run(BOB, 'approve KC-1');
    await run(ALICE, 'extend KC-1 30m still checking');
    expect((await req(2)).status).toBe('pending');
    h.chat.clear();
    await run(ALICE, 'release KC-1 done');
    expect((await req(1)).status).toBe('revoked');
    const ext = await req(2);
    expect(ext.status).toBe('cancelled');
    expect(ext.decisionNote).toBe('KC-1 ended before this extension was decided');
    const card = h.chat.events.find((e) => e.type === 'card' && e.view.ref === 'KC-2');
    expect(card).toMatchObject({ view: { status: 'cancelled', actions: [] } });
    expect(h.chat.events.some((e) => e.type === 'thread' && e.view.ref === 'KC-2' && e.text.includes('KC-1 ended'))).toBe(true);
    expect(await run(BOB, 'approve KC-2')).toMatchObject({ kind: 'error', message: expect.stringContaining('already cancelled') });
    const actions = (await h.deps.store.readAudit({})).filter((e) => e.requestId === ext.id).map((e) => e.action);
    expect(actions).toContain('extension.cancelled');
  }, 90_000);

  it('an expiry cancels a pending extension the same way', async () => {
    h = await createHarness(kind);
    await run(ALICE, '/access demo-db 15m read checking replication lag INC-42');
    await run(BOB, 'approve KC-1');
    await run(ALICE, 'extend KC-1 30m still checking');
    await tick(h.deps, h.clock.advance(15 * 60_000));
    expect((await req(1)).status).toBe('expired');
    expect((await req(2)).status).toBe('cancelled');
  });

  it('refuses a decision that arrives after the approval TTL, before the sweep ran, and times the request out', async () => {
    h = await createHarness(kind);
    await run(ALICE, '/access demo-db 15m read checking replication lag INC-42');
    const pending = await req(1);
    h.clock.set(new Date(pending.approvalExpiresAt!.getTime() + 1_000));
    const late = await run(BOB, 'approve KC-1');
    expect(late).toMatchObject({ kind: 'error', message: expect.stringContaining('timed out at') });
    expect((late as { message: string }).message).toContain('nothing was granted');
    expect((await req(1)).status).toBe('timed_out');
    expect(h.provider.calls.filter((c) => c.op === 'grant')).toHaveLength(0);
    expect(h.chat.dms(ALICE, 'timed_out')).toHaveLength(1);
    const audit = (await h.deps.store.readAudit({})).filter((e) => e.requestId === pending.id);
    expect(audit.map((e) => e.action)).toEqual(['request.submitted', 'request.timed_out', 'approval.refused']);
    expect(audit.at(-1)?.details).toMatchObject({ code: 'approval_expired' });
    // The sweep finds nothing left to do.
    await tick(h.deps, h.clock.now());
    expect((await h.deps.store.readAudit({})).filter((e) => e.action === 'request.timed_out')).toHaveLength(1);
  });

  it('who may revoke someone else’s grant is one rule: the tier’s approvers and the reviewers, also with no reviewers configured', async () => {
    const noReviewers = makePolicy({ alerts: { reviewers: [] } });
    h = await createHarness(kind, { policy: noReviewers });
    await run(ALICE, '/access demo-db 15m read checking replication lag INC-42');
    await run(BOB, 'approve KC-1');
    const grant = await req(1);
    expect(mayRevokeOthers(noReviewers, grant, BOB)).toBe(true);
    expect(mayRevokeOthers(noReviewers, grant, 'erin@example.com')).toBe(true);
    expect(mayRevokeOthers(noReviewers, grant, CAROL)).toBe(false);
    expect(mayRevokeOthers(noReviewers, grant, DAVE)).toBe(false);
    expect(revokersOf(noReviewers, grant).sort()).toEqual([BOB, 'erin@example.com']);
    const withReviewers = makePolicy();
    expect(mayRevokeOthers(withReviewers, grant, DAVE)).toBe(true);
    expect(revokersOf(withReviewers, { ...grant, requester: DAVE })).not.toContain(DAVE);
    // An escalation group of the tier counts as its approvers.
    const escalating = makePolicy({
      tiers: { ...basePolicyInput.tiers, medium: { upTo: 49, approvals: 1, approvers: ['sre'], escalateTo: 'db-owners' } },
    });
    expect(mayRevokeOthers(escalating, grant, CAROL)).toBe(true);
    // The console (like every adapter) goes through the same rule.
    expect(await run(CAROL, 'revoke KC-1 suspicious')).toMatchObject({ kind: 'error', message: expect.stringContaining('approvers') });
    expect(await run('erin@example.com', 'revoke KC-1 suspicious')).toMatchObject({ kind: 'request', request: { status: 'revoked' } });
  });
});
