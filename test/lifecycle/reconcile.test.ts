import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { reconcile } from '../../src/core/lifecycle/reconcile.js';
import { makePolicy } from '../fixtures/policy.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';

describe.each(storeKinds())('reconcile on %s', (kind) => {
  let h: Harness;
  afterEach(async () => h?.close());
  const run = (actor: string, text: string) => handleCommand(h.deps, { actor, text, origin: { platform: 'console' } });
  const actions = async () => (await h.deps.store.readAudit({})).map((e) => e.action);
  const alerts = () => h.chat.events.filter((e) => e.type === 'alert');

  it('revoke mode: reports drift in a dry run, revokes it for real, and marks grants whose credential vanished lost', async () => {
    h = await createHarness(kind, { policy: makePolicy({ reconcile: { unknown: 'revoke' } }) });
    await run('alice@example.com', '/access demo-db 1h read checking replication lag INC-42');
    await run('bob@example.com', 'approve KC-1');
    await run('alice@example.com', '/access demo-db 1h write fix stuck order INC-42');
    await run('bob@example.com', 'approve KC-2');
    // A grant made behind Keycard's back, and one Keycard already ended (e.g. a crash after revoke was recorded).
    h.provider.live.set('KC-99', { requester: 'mallory@example.com', expiresAt: new Date('2030-01-01'), resource: 'demo-db' });
    await run('alice@example.com', 'release KC-2');
    h.provider.live.set('KC-2', { requester: 'alice@example.com', expiresAt: new Date('2030-01-01'), resource: 'demo-db' });
    // An active grant whose credential vanished at the target.
    h.provider.live.delete('KC-1');
    h.clock.advance(1_000);

    const dry = await reconcile(h.deps, h.clock.now(), { dryRun: true });
    expect(dry.mode).toBe('revoke');
    expect(dry.orphans.map((o) => [o.grantId, o.known, o.reason, o.action]).sort()).toEqual([
      ['KC-2', 'revoked', 'no_live_grant', 'would_revoke'],
      ['KC-99', 'unknown', 'no_live_grant', 'would_revoke'],
    ]);
    expect(dry.missing).toEqual([{ resource: 'demo-db', grantId: 'KC-1', principal: 'alice@example.com', action: 'would_mark_lost' }]);
    expect(h.provider.live.has('KC-99')).toBe(true);
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('active');
    expect((await actions()).some((a) => a.startsWith('reconcile.') || a === 'grant.lost')).toBe(false);
    expect(alerts()).toEqual([]);

    const real = await reconcile(h.deps, h.clock.now());
    expect(real.orphans.map((o) => o.action)).toEqual(['revoked', 'revoked']);
    expect(h.provider.live.has('KC-99')).toBe(false);
    expect(h.provider.live.has('KC-2')).toBe(false);
    const lost = (await h.deps.store.getRequestByNumber(1))!;
    expect(lost.status).toBe('lost');
    expect((await actions()).filter((a) => a === 'reconcile.drift_revoked')).toHaveLength(2);
    expect(await actions()).toContain('grant.lost');
    expect(alerts().some((e) => e.type === 'alert' && e.alert.text.includes('KC-99') && e.alert.text.includes('marked lost'))).toBe(true);
    // Holder and approvers are told; the grant leaves the active list.
    expect(
      h.chat.dms('alice@example.com', 'info').some((d) => d.message.kind === 'info' && d.message.text.includes('gone at the target')),
    ).toBe(true);
    expect(h.chat.dms('bob@example.com', 'info').some((d) => d.message.kind === 'info' && d.message.text.includes('LOST'))).toBe(true);
    expect(await h.deps.store.listRequests({ statuses: ['active'] })).toEqual([]);

    const again = await reconcile(h.deps, h.clock.now(), { resource: 'demo-db' });
    expect(again.orphans).toEqual([]);
    expect(again.missing).toEqual([]);
  }, 90_000);

  it('report mode (the default): drift is reported, alerted and audited once, and never revoked', async () => {
    h = await createHarness(kind);
    h.provider.live.set('KC-99', { requester: 'mallory@example.com', expiresAt: new Date('2030-01-01'), resource: 'demo-db' });
    const first = await reconcile(h.deps, h.clock.now());
    expect(first.mode).toBe('report');
    expect(first.orphans.map((o) => [o.grantId, o.action])).toEqual([['KC-99', 'reported']]);
    expect(h.provider.live.has('KC-99')).toBe(true);
    const second = await reconcile(h.deps, h.clock.advance(300_000));
    expect(second.orphans).toHaveLength(1);
    expect((await actions()).filter((a) => a === 'reconcile.drift_reported')).toHaveLength(1);
    expect(alerts()).toHaveLength(1);
  });

  it('leaves grants that are being revoked alone, but counts a revoke that keeps failing as drift', async () => {
    h = await createHarness(kind, { policy: makePolicy({ revocation: { escalateAfter: 2 } }) });
    await run('alice@example.com', '/access demo-db 1h read checking replication lag INC-42');
    await run('bob@example.com', 'approve KC-1');
    h.provider.failRevokes(5);
    await run('alice@example.com', 'release KC-1');
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('revoking');
    expect((await reconcile(h.deps, h.clock.now())).orphans).toEqual([]);
    await run('dave@example.com', 'retry KC-1');
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('revoke_failed');
    const report = await reconcile(h.deps, h.clock.now());
    expect(report.orphans).toMatchObject([{ grantId: 'KC-1', reason: 'revoke_failed', action: 'retrying' }]);
  });
});
