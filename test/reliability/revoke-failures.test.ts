import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { retryRevokeNow } from '../../src/core/lifecycle/manage.js';
import { tick } from '../../src/core/scheduler/jobs.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';

describe.each(storeKinds())('revocation you can trust on %s', (kind) => {
  let h: Harness;
  afterEach(async () => h?.close());
  const run = (actor: string, text: string) => handleCommand(h.deps, { actor, text, origin: { platform: 'console' } });
  const grant = async () => (await h.deps.store.getRequestByNumber(1))!;
  const activeGrant = async () => {
    await run('alice@example.com', '/access demo-db 10m read checking replication lag INC-42');
    await run('bob@example.com', 'approve KC-1');
    expect((await grant()).status).toBe('active');
  };

  it('retries a failing revoke on a capped backoff ladder without end, escalates after revocation.escalateAfter failures, and only records it revoked once confirmed', async () => {
    h = await createHarness(kind);
    await activeGrant();
    h.provider.failRevokes(7);
    await tick(h.deps, h.clock.advance(10 * 60_000));
    let g = await grant();
    expect(g.status).toBe('revoking');
    expect(g.attempts).toBe(1);
    // random() is 0.5 in the harness, so the jitter factor is exactly 1: 5 s, 10 s, 20 s, 40 s, … capped at 3 min.
    expect(g.nextAttemptAt!.getTime() - h.clock.now().getTime()).toBe(5_000);
    for (const [delay, attempt] of [
      [5_000, 2],
      [10_000, 3],
      [20_000, 4],
      [40_000, 5],
    ] as const) {
      await tick(h.deps, h.clock.advance(delay - 1_000));
      expect((await grant()).attempts).toBe(attempt - 1);
      await tick(h.deps, h.clock.advance(1_000));
      g = await grant();
      expect(g.attempts).toBe(attempt);
      // The fifth failure (the policy's default escalateAfter) escalates; before that it stays revoking.
      expect(g.status).toBe(attempt < 5 ? 'revoking' : 'revoke_failed');
    }
    expect(g.lastError).toContain('target unreachable');
    expect(h.provider.live.has('KC-1')).toBe(true);
    const alert = h.chat.events.find((e) => e.type === 'alert' && e.alert.kind === 'revoke_failed');
    expect(alert).toMatchObject({ alert: { retry: true, text: expect.stringContaining('failed 5 times') } });
    expect(h.chat.events.some((e) => e.type === 'thread' && e.text.includes('REVOKE FAILED'))).toBe(true);
    // Everyone who may retry it is told, with Retry now: the tier's approvers (sre) and the reviewers (security).
    expect(
      h.chat
        .dms(undefined, 'revoke_failed')
        .map((d) => d.to)
        .sort(),
    ).toEqual(['bob@example.com', 'dave@example.com', 'erin@example.com']);
    // It keeps retrying after the escalation: 80 s, 160 s, then the 3-minute cap, and goes through.
    await tick(h.deps, h.clock.advance(80_000));
    expect((await grant()).attempts).toBe(6);
    await tick(h.deps, h.clock.advance(160_000));
    g = await grant();
    expect(g.attempts).toBe(7);
    expect(g.status).toBe('revoke_failed');
    expect(g.nextAttemptAt!.getTime() - h.clock.now().getTime()).toBe(180_000);
    await tick(h.deps, h.clock.advance(180_000));
    g = await grant();
    expect(g.status).toBe('expired');
    expect(h.provider.live.has('KC-1')).toBe(false);
    const actions = (await h.deps.store.readAudit({})).filter((e) => e.requestId === g.id).map((e) => e.action);
    // Every try is audited: attempts 1-4, 6 and 7 rescheduled, 5 escalated, 8 confirmed.
    expect(actions.filter((a) => a === 'grant.revoke_retry_scheduled')).toHaveLength(6);
    expect(actions.filter((a) => a === 'grant.revoke_failed')).toHaveLength(1);
    expect(actions.filter((a) => a === 'grant.expired')).toHaveLength(1);
  }, 120_000);

  it('lets an approver retry a failed revoke at once; others may not', async () => {
    h = await createHarness(kind, { policy: makePolicy({ revocation: { escalateAfter: 1 } }) });
    await activeGrant();
    h.provider.failRevokes(1);
    await run('alice@example.com', 'release KC-1');
    expect((await grant()).status).toBe('revoke_failed');
    expect(await retryRevokeNow(h.deps, { number: 1, actor: 'carol@example.com' })).toMatchObject({ ok: false, code: 'not_allowed' });
    expect(await retryRevokeNow(h.deps, { number: 1, actor: 'dave@example.com' })).toMatchObject({
      ok: true,
      value: { status: 'revoked' },
    });
    expect(await retryRevokeNow(h.deps, { number: 1, actor: 'dave@example.com' })).toMatchObject({ ok: false, code: 'not_revoking' });
  });

  it('never records a revoke the provider did not confirm, and a grant that failed to grant is not left behind', async () => {
    h = await createHarness(kind);
    h.provider.failGrants(1, false);
    await run('alice@example.com', '/access demo-db 10m read checking replication lag INC-42');
    expect(await run('bob@example.com', 'approve KC-1')).toMatchObject({ request: { status: 'failed' } });
    expect(h.chat.dms('alice@example.com', 'failed')).toHaveLength(1);
    h.provider.failGrants(1, true);
    await run('alice@example.com', '/access demo-db 10m read checking replication lag again INC-42');
    await run('bob@example.com', 'approve KC-2');
    expect((await h.deps.store.getRequestByNumber(2))?.status).toBe('approved');
    await tick(h.deps, h.clock.advance(5_000));
    expect((await h.deps.store.getRequestByNumber(2))?.status).toBe('active');
  });

  it('escalates a waiting request to the fallback group at reminder time', async () => {
    const policy = makePolicy({
      tiers: { ...basePolicyInput.tiers, medium: { upTo: 49, approvals: 1, approvers: ['sre'], escalateTo: 'db-owners' } },
    });
    h = await createHarness(kind, { policy });
    await run('alice@example.com', '/access demo-db 10m read checking replication lag INC-42');
    expect(await run('carol@example.com', 'approve KC-1')).toMatchObject({ kind: 'error' });
    await tick(h.deps, h.clock.advance(46 * 60_000));
    expect(h.chat.dms('carol@example.com', 'approval_reminder')).toHaveLength(1);
    expect(await run('carol@example.com', 'approve KC-1')).toMatchObject({ request: { status: 'active' } });
  });

  it('hands a singleton lease to one holder at a time and takes it over after expiry', async () => {
    h = await createHarness(kind);
    const state = h.deps.store.state;
    const t0 = h.clock.now();
    expect(await state.acquireLease('reconcile', 'a', t0, 60_000)).toBe(true);
    expect(await state.acquireLease('reconcile', 'b', t0, 60_000)).toBe(false);
    expect(await state.acquireLease('reconcile', 'a', new Date(t0.getTime() + 1_000), 60_000)).toBe(true);
    expect(await state.acquireLease('reconcile', 'b', new Date(t0.getTime() + 61_001), 60_000)).toBe(true);
    await state.releaseLease('reconcile', 'a');
    expect(await state.acquireLease('reconcile', 'a', new Date(t0.getTime() + 62_000), 60_000)).toBe(false);
    await state.releaseLease('reconcile', 'b');
    expect(await state.acquireLease('reconcile', 'a', new Date(t0.getTime() + 62_000), 60_000)).toBe(true);
    expect(await state.purgeExpiredLeases(new Date(t0.getTime() + 100_000))).toBe(0);
    expect(await state.purgeExpiredLeases(new Date(t0.getTime() + 200_000))).toBe(1);
    expect(await state.acquireLease('reconcile', 'b', new Date(t0.getTime() + 200_000), 60_000)).toBe(true);
  });
});
