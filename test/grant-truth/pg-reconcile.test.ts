import { afterEach, describe, expect, it } from 'vitest';
import { inventoryText } from '../../src/cli/inventory-command.js';
import { reconcileText } from '../../src/cli/reconcile-text.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { Reply } from '../../src/core/commands/reply.js';
import { reconcile } from '../../src/core/lifecycle/reconcile.js';
import { takeInventory } from '../../src/core/rollout/inventory.js';
import { hasTestPostgres } from '../helpers/db.js';
import { createPgHarness, type PgHarness, pgPolicy } from './pg-target.js';

const APPROVERS = ['carol@example.com', 'dave@example.com', 'bob@example.com'];

/** Reconciliation against a real Postgres target: what Keycard's database says is the truth, never a label. */
describe.skipIf(!hasTestPostgres())('reconcile on a real Postgres target', () => {
  let h: PgHarness;
  afterEach(async () => {
    // Roles the test made by hand are not the fixture's: drop them before its teardown.
    for (const role of ['kc_mallory_kc_99', 'kc_eve_kc_1', 'backdoor_x']) {
      await h?.fx.query(`DROP ROLE IF EXISTS ${role}_${h.fx.id}`).catch(() => undefined);
    }
    await h?.close();
  });
  const run = (actor: string, text: string): Promise<Reply> =>
    handleCommand(h.deps, { actor, text, origin: { platform: 'console', user: actor } });
  const grantActive = async () => {
    await run(h.requester, `/access ${h.resource} 1h read fix stuck order INC-4211`);
    for (const a of APPROVERS) if ((await h.deps.store.getRequestByNumber(1))?.status === 'pending') await run(a, 'approve KC-1');
    const grant = (await h.deps.store.getRequestByNumber(1))!;
    expect(grant.status).toBe('active');
    return grant;
  };

  it('finds a rogue kc_ role, a forged comment, standing access through the group role and a missing credential', async () => {
    h = await createPgHarness(process.env.TEST_DATABASE_URL!, 'pg', { policy: (fx) => pgPolicy(fx) });
    const grant = await grantActive();
    const { fx } = h;
    const rogue = `kc_mallory_kc_99_${fx.id}`;
    const forged = `kc_eve_kc_1_${fx.id}`;
    const backdoor = `backdoor_x_${fx.id}`;
    // A login role made by hand with Keycard's name prefix, member of the level's group role, no comment.
    await fx.query(`CREATE ROLE ${rogue} LOGIN`);
    await fx.query(`GRANT ${fx.readRole} TO ${rogue}`);
    // A role whose comment is forged to name Alice's live grant KC-1.
    await fx.query(`CREATE ROLE ${forged} LOGIN`);
    await fx.query(`GRANT ${fx.readRole} TO ${forged}`);
    await fx.query(`COMMENT ON ROLE ${forged} IS 'keycard grant KC-1 expires 2030-01-01T00:00:00.000Z resource ${h.resource}'`);
    // A plain login made a member of the managed group role: standing access outside Keycard.
    await fx.query(`CREATE ROLE ${backdoor} LOGIN`);
    await fx.query(`GRANT ${fx.readRole} TO ${backdoor}`);

    const first = await reconcile(h.deps, h.clock.advance(1_000));
    const drift = first.orphans.map((o) => [o.principal, o.reason, o.action]).sort();
    expect(drift).toEqual([
      [forged, 'label_mismatch', 'reported'],
      [rogue, 'unlabelled', 'reported'],
    ]);
    expect(first.missing).toEqual([]);
    expect(first.standing.map((s) => [s.principal, s.isNew])).toEqual(
      expect.arrayContaining([
        [backdoor, true],
        [rogue, true],
      ]),
    );
    expect(first.standing.some((s) => s.principal === forged)).toBe(false);
    // Alice's own role is fine and untouched.
    expect(await h.rolValidUntil(String(grant.grantRef?.role))).toBeInstanceOf(Date);
    const alert = h.chat.events.find((e) => e.type === 'alert');
    expect(alert?.type === 'alert' && alert.alert.text).toContain('forged or copied label');
    expect(alert?.type === 'alert' && alert.alert.text).toContain(`${backdoor} has standing access outside Keycard`);
    const text = reconcileText(first).out.join('\n');
    expect(text).toContain(`drift    ${h.resource} KC-1 ${forged}`);
    expect(text).toContain(`drift    ${h.resource} ${rogue} · no Keycard label`);
    expect(text).toContain(`standing ${h.resource} (read) ${backdoor}`);
    expect(text).not.toContain('No drift');

    // keycard inventory lists the standing principals too.
    const inventory = inventoryText(await takeInventory(h.deps, { resource: h.resource })).join('\n');
    expect(inventory).toContain(backdoor);

    // A second pass alerts nothing new (once per finding).
    const alertsBefore = h.chat.events.filter((e) => e.type === 'alert').length;
    const second = await reconcile(h.deps, h.clock.advance(300_000));
    expect(second.orphans).toHaveLength(2);
    expect(second.standing.every((s) => !s.isNew)).toBe(true);
    expect(h.chat.events.filter((e) => e.type === 'alert').length).toBe(alertsBefore);

    // The credential vanishes at the target: the grant becomes lost.
    await fx.query(`DROP ROLE ${String(grant.grantRef?.role)}`);
    const third = await reconcile(h.deps, h.clock.advance(1_000));
    expect(third.missing).toEqual([{ resource: h.resource, grantId: 'KC-1', principal: h.requester, action: 'marked_lost' }]);
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('lost');
    expect(reconcileText(third).out.join('\n')).toContain(`lost     ${h.resource} KC-1 ${h.requester}`);
  });

  it('revoke mode removes a forged-label role without touching the live grant it names', async () => {
    h = await createPgHarness(process.env.TEST_DATABASE_URL!, 'pg', { policy: (fx) => pgPolicy(fx, { reconcile: { unknown: 'revoke' } }) });
    const grant = await grantActive();
    const forged = `kc_eve_kc_1_${h.fx.id}`;
    await h.fx.query(`CREATE ROLE ${forged} LOGIN`);
    await h.fx.query(`GRANT ${h.fx.readRole} TO ${forged}`);
    await h.fx.query(`COMMENT ON ROLE ${forged} IS 'keycard grant KC-1 expires 2030-01-01T00:00:00.000Z resource ${h.resource}'`);
    const report = await reconcile(h.deps, h.clock.advance(1_000));
    expect(report.orphans).toMatchObject([{ principal: forged, reason: 'label_mismatch', action: 'revoked' }]);
    expect(await h.rolValidUntil(forged)).toBeUndefined();
    expect(await h.rolValidUntil(String(grant.grantRef?.role))).toBeInstanceOf(Date);
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('active');
  });
});
