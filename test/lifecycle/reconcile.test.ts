import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { reconcile } from '../../src/core/lifecycle/reconcile.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';

describe.each(storeKinds())('reconcile on %s', (kind) => {
  let h: Harness;
  afterEach(async () => h?.close());
  const run = (actor: string, text: string) => handleCommand(h.deps, { actor, text, origin: { platform: 'console' } });

  it('reports orphans in a dry run, revokes them for real, and flags grants missing at the target', async () => {
    h = await createHarness(kind);
    await run('alice@example.com', '/access demo-db 1h read checking replication lag INC-42');
    await run('bob@example.com', 'approve KC-1');
    await run('alice@example.com', '/access demo-db 1h write fix stuck order INC-42');
    await run('bob@example.com', 'approve KC-2');
    // A grant made behind Keycard's back, and one Keycard already ended (e.g. a crash after revoke was recorded).
    h.provider.live.set('KC-99', { requester: 'mallory@example.com', expiresAt: new Date('2030-01-01'), resource: 'demo-db' });
    await run('alice@example.com', 'release KC-2');
    h.provider.live.set('KC-2', { requester: 'alice@example.com', expiresAt: new Date('2030-01-01'), resource: 'demo-db' });
    // An active grant that vanished at the target.
    h.provider.live.delete('KC-1');

    const dry = await reconcile(h.deps, h.clock.now(), { dryRun: true });
    expect(dry.orphans.map((o) => [o.grantId, o.known, o.action]).sort()).toEqual([
      ['KC-2', 'revoked', 'would_revoke'],
      ['KC-99', 'unknown', 'would_revoke'],
    ]);
    expect(dry.missing).toEqual([
      { resource: 'demo-db', grantId: 'KC-1', principal: 'alice@example.com', known: 'active', action: 'flagged' },
    ]);
    expect(h.provider.live.has('KC-99')).toBe(true);
    expect((await h.deps.store.readAudit({})).some((e) => e.action.startsWith('reconcile.'))).toBe(false);

    const real = await reconcile(h.deps, h.clock.now());
    expect(real.orphans.map((o) => o.action)).toEqual(['revoked', 'revoked']);
    expect(h.provider.live.has('KC-99')).toBe(false);
    expect(h.provider.live.has('KC-2')).toBe(false);
    const actions = (await h.deps.store.readAudit({})).map((e) => e.action);
    expect(actions.filter((a) => a === 'reconcile.orphan_revoked')).toHaveLength(2);
    expect(actions).toContain('reconcile.missing_at_target');
    expect(h.chat.events.some((e) => e.type === 'alert' && e.alert.text.includes('KC-99'))).toBe(true);

    const again = await reconcile(h.deps, h.clock.now(), { resource: 'demo-db' });
    expect(again.orphans).toEqual([]);
  });

  it('leaves grants that are being granted or revoked alone', async () => {
    h = await createHarness(kind);
    await run('alice@example.com', '/access demo-db 1h read checking replication lag INC-42');
    await run('bob@example.com', 'approve KC-1');
    h.provider.failRevokes(1);
    await run('alice@example.com', 'release KC-1');
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('revoking');
    const report = await reconcile(h.deps, h.clock.now());
    expect(report.orphans).toEqual([]);
  });
});
