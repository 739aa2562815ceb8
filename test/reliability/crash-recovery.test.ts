import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { CoreDeps } from '../../src/core/lifecycle/deps.js';
import { reconcile } from '../../src/core/lifecycle/reconcile.js';
import { tick } from '../../src/core/scheduler/jobs.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { crashOnTransitionTo } from './crash-store.js';

describe.each(storeKinds())('crash recovery on %s', (kind) => {
  let h: Harness;
  afterEach(async () => h?.close());
  const run = (deps: CoreDeps, actor: string, text: string) => handleCommand(deps, { actor, text, origin: { platform: 'console' } });
  const status = async () => (await h.deps.store.getRequestByNumber(1))?.status;

  it('after grant-at-provider-but-not-recorded, the restarted replica finishes the grant; nothing is left unowned', async () => {
    h = await createHarness(kind);
    await run(h.deps, 'alice@example.com', '/access demo-db 10m read checking replication lag INC-42');
    const dying: CoreDeps = { ...h.deps, store: crashOnTransitionTo(h.deps.store, 'active') };
    const reply = await run(dying, 'bob@example.com', 'approve KC-1');
    expect(reply.kind).toBe('error');
    expect(h.provider.live.has('KC-1')).toBe(true);
    expect(await status()).toBe('approved');
    // The orphan is known to Keycard as being granted, so reconciliation leaves it to the activation retry.
    expect((await reconcile(h.deps, h.clock.now(), { dryRun: true })).orphans).toEqual([]);
    await tick(h.deps, h.clock.advance(30_000));
    expect(await status()).toBe('approved');
    await tick(h.deps, h.clock.advance(31_000));
    expect(await status()).toBe('active');
    expect(h.provider.live.size).toBe(1);
    await tick(h.deps, h.clock.advance(10 * 60_000));
    expect(await status()).toBe('expired');
    expect(h.provider.live.size).toBe(0);
  });

  it('after revoke-done-but-not-recorded, the retry is idempotent and records it once', async () => {
    h = await createHarness(kind);
    await run(h.deps, 'alice@example.com', '/access demo-db 10m read checking replication lag INC-42');
    await run(h.deps, 'bob@example.com', 'approve KC-1');
    const dying: CoreDeps = { ...h.deps, store: crashOnTransitionTo(h.deps.store, 'expired') };
    await expect(tick(dying, h.clock.advance(10 * 60_000))).rejects.toThrow('simulated crash');
    expect(h.provider.live.has('KC-1')).toBe(false);
    expect(await status()).toBe('revoking');
    await tick(h.deps, h.clock.advance(61_000));
    expect(await status()).toBe('expired');
    const actions = (await h.deps.store.readAudit({})).map((e) => e.action);
    expect(actions.filter((a) => a === 'grant.expired')).toHaveLength(1);
    expect(h.provider.calls.filter((c) => c.op === 'revoke')).toHaveLength(2);
  });

  it('revokes overdue grants on the first pass after a restart', async () => {
    h = await createHarness(kind);
    await run(h.deps, 'alice@example.com', '/access demo-db 10m read checking replication lag INC-42');
    await run(h.deps, 'bob@example.com', 'approve KC-1');
    // Keycard was down for an hour; the first pass revokes at once.
    await tick(h.deps, h.clock.advance(3_600_000));
    expect(await status()).toBe('expired');
  });
});
