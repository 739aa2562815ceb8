import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { Reply } from '../../src/core/commands/reply.js';
import { retryActivations } from '../../src/core/scheduler/jobs.js';
import { hasTestPostgres } from '../helpers/db.js';
import { createPgHarness, type PgHarness } from './pg-target.js';

const APPROVERS = ['carol@example.com', 'dave@example.com', 'bob@example.com'];

/**
 * Extensions and overlap merges reach the real target: after either, the login role's VALID UNTIL is
 * Keycard's new expiry. (The local test server trusts 127.0.0.1 logins, so password authentication, which
 * is where Postgres enforces VALID UNTIL, is exercised in pg-password-login.test.ts on a private server.)
 */
describe.skipIf(!hasTestPostgres())('extend and merge move VALID UNTIL on a real Postgres target', () => {
  let h: PgHarness;
  afterEach(async () => h?.close());

  const run = (actor: string, text: string): Promise<Reply> =>
    handleCommand(h.deps, { actor, text, origin: { platform: 'console', user: actor } });
  const approveAll = async (n: number) => {
    for (const a of APPROVERS) {
      const r = await h.deps.store.getRequestByNumber(n);
      if (r?.status !== 'pending') break;
      await run(a, `approve KC-${n}`);
    }
    return (await h.deps.store.getRequestByNumber(n))!;
  };
  const grantOf = async (n: number) => (await h.deps.store.getRequestByNumber(n))!;
  const roleOf = async (n: number) => String((await grantOf(n)).grantRef?.role);

  it('extension: rolvaliduntil becomes the new expiry, in one audited step', async () => {
    h = await createPgHarness(process.env.TEST_DATABASE_URL!, 'pg');
    await run(h.requester, `/access ${h.resource} 20m read fix stuck order INC-4211`);
    expect((await approveAll(1)).status).toBe('active');
    const role = await roleOf(1);
    const original = (await grantOf(1)).expiresAt!;
    expect((await h.rolValidUntil(role))?.getTime()).toBe(original.getTime());

    await run(h.requester, 'extend KC-1 30m still digging');
    const ext = await approveAll(2);
    expect(ext.status).toBe('merged');
    const extended = (await grantOf(1)).expiresAt!;
    expect(extended.getTime()).toBe(original.getTime() + 30 * 60_000);
    expect((await h.rolValidUntil(role))?.getTime()).toBe(extended.getTime());
    const audit = (await h.deps.store.readAudit({})).filter((e) => e.action === 'grant.extended');
    expect(audit).toHaveLength(1);
  });

  it('overlap merge: a second request for the same access moves VALID UNTIL the same way', async () => {
    h = await createPgHarness(process.env.TEST_DATABASE_URL!, 'pg');
    await run(h.requester, `/access ${h.resource} 20m read fix stuck order INC-4211`);
    await approveAll(1);
    const role = await roleOf(1);
    h.clock.advance(10 * 60_000);
    await run(h.requester, `/access ${h.resource} 1h read follow-up on INC-4211`);
    expect((await approveAll(2)).status).toBe('merged');
    const merged = (await grantOf(1)).expiresAt!;
    expect(merged.getTime()).toBe(h.clock.now().getTime() + 60 * 60_000);
    expect((await h.rolValidUntil(role))?.getTime()).toBe(merged.getTime());
  });

  it('target unreachable: the extension is retried, Keycard keeps the old expiry until the target moved', async () => {
    h = await createPgHarness(process.env.TEST_DATABASE_URL!, 'pg');
    await run(h.requester, `/access ${h.resource} 20m read fix stuck order INC-4211`);
    await approveAll(1);
    const role = await roleOf(1);
    const original = (await grantOf(1)).expiresAt!;
    h.setAdminUrl('postgres://nobody@127.0.0.1:1/none');
    await run(h.requester, 'extend KC-1 30m still digging');
    const ext = await approveAll(2);
    expect(ext).toMatchObject({ status: 'approved', lastError: expect.stringContaining("could not move KC-1's expiry") });
    expect((await grantOf(1)).expiresAt?.getTime()).toBe(original.getTime());
    expect((await h.rolValidUntil(role))?.getTime()).toBe(original.getTime());

    h.setAdminUrl(h.fx.adminUrl);
    h.clock.advance(10_000);
    await retryActivations(h.deps, h.clock.now());
    expect((await grantOf(2)).status).toBe('merged');
    expect((await h.rolValidUntil(role))?.getTime()).toBe(original.getTime() + 30 * 60_000);
  });

  it('a role dropped behind Keycard cannot be extended: the extension fails with the reason, nothing moves', async () => {
    h = await createPgHarness(process.env.TEST_DATABASE_URL!, 'pg');
    await run(h.requester, `/access ${h.resource} 20m read fix stuck order INC-4211`);
    await approveAll(1);
    const role = await roleOf(1);
    const original = (await grantOf(1)).expiresAt!;
    await h.fx.query(`DROP ROLE ${role}`);
    await run(h.requester, 'extend KC-1 30m still digging');
    const ext = await approveAll(2);
    expect(ext.status).toBe('failed');
    expect(ext.lastError).toMatch(/no longer exists; it cannot be extended.*did not move the expiry/);
    expect((await grantOf(1)).expiresAt?.getTime()).toBe(original.getTime());
    expect(h.chat.dms(h.requester, 'failed')).toHaveLength(1);
  });
});
