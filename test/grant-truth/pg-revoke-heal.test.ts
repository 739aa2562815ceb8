import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { Reply } from '../../src/core/commands/reply.js';
import { tick } from '../../src/core/scheduler/jobs.js';
import { hasTestPostgres } from '../helpers/db.js';
import { createPgHarness, type PgHarness } from './pg-target.js';

const APPROVERS = ['carol@example.com', 'dave@example.com', 'bob@example.com'];

/**
 * A revoke that fails because the target's admin connection is refused heals by itself once the target is
 * back: retries on a capped backoff never stop, and the grant is revoked within one retry interval of the
 * recovery. Time is the harness clock, one scheduler pass per simulated second.
 */
describe.skipIf(!hasTestPostgres())('revoke failure and recovery against a real Postgres target', () => {
  let h: PgHarness;
  afterEach(async () => h?.close());
  const run = (actor: string, text: string): Promise<Reply> =>
    handleCommand(h.deps, { actor, text, origin: { platform: 'console', user: actor } });

  it('fails while the admin connection is refused, escalates, and is revoked within one interval of the restore', async () => {
    h = await createPgHarness(process.env.TEST_DATABASE_URL!, 'pg');
    await run(h.requester, `/access ${h.resource} 20m read fix stuck order INC-4211`);
    for (const a of APPROVERS) if ((await h.deps.store.getRequestByNumber(1))?.status === 'pending') await run(a, 'approve KC-1');
    const grant = async () => (await h.deps.store.getRequestByNumber(1))!;
    expect((await grant()).status).toBe('active');
    const role = String((await grant()).grantRef?.role);

    h.setAdminUrl('postgres://nobody@127.0.0.1:1/none');
    await run(h.requester, 'release KC-1 done');
    expect((await grant()).status).toBe('revoking');
    // Let it fail for about 10 simulated minutes: past the escalation (5 failures) and onto the 3-minute cap.
    for (let s = 0; s < 600; s += 1) await tick(h.deps, h.clock.advance(1_000));
    const failing = await grant();
    expect(failing.status).toBe('revoke_failed');
    expect(failing.attempts).toBeGreaterThanOrEqual(7);
    expect(failing.lastError).toMatch(/unreachable|ECONNREFUSED/);
    expect(await h.rolValidUntil(role)).toBeInstanceOf(Date);
    expect(h.chat.dms(undefined, 'revoke_failed').length).toBeGreaterThan(0);

    h.setAdminUrl(h.fx.adminUrl);
    const restoredAt = h.clock.now().getTime();
    let revokedAfterMs = -1;
    for (let s = 0; s < 400 && revokedAfterMs < 0; s += 1) {
      await tick(h.deps, h.clock.advance(1_000));
      if ((await grant()).status === 'revoked') revokedAfterMs = h.clock.now().getTime() - restoredAt;
    }
    // Within one retry interval (the policy's maxBackoff, 3 minutes) of the target coming back.
    expect(revokedAfterMs).toBeGreaterThan(0);
    expect(revokedAfterMs).toBeLessThanOrEqual(h.deps.policy().revocation.maxBackoff);
    expect(await h.rolValidUntil(role)).toBeUndefined();
    const audit = (await h.deps.store.readAudit({})).filter((e) => e.requestId === failing.id).map((e) => e.action);
    expect(audit.filter((a) => a === 'grant.revoke_retry_scheduled' || a === 'grant.revoke_failed').length).toBe(
      (await grant()).attempts - 1,
    );
    expect(audit.at(-1)).toBe('grant.revoked');
    console.info(`revoke healed ${revokedAfterMs / 1000} s (simulated) after the target came back; ${(await grant()).attempts} attempts`);
  }, 120_000);
});
