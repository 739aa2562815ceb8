import { afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/core/audit/hash-chain.js';
import type { CoreDeps } from '../../src/core/lifecycle/deps.js';
import type { Provider } from '../../src/core/ports/provider.js';
import { EXPIRY_LEASE, type SchedulerHandle, startScheduler } from '../../src/scheduler/start-scheduler.js';
import { hasTestPostgres } from '../helpers/db.js';
import { createFakeClock, createHarness, type Harness } from '../helpers/harness.js';
import { createScriptedProvider, type ScriptedProvider } from '../helpers/scripted-provider.js';
import { createReplicaSet, seedActiveGrants } from '../reliability/replica-set.js';

/** The same provider, with each revoke noted under the replica that made it. */
function revokesBy(name: string, provider: ScriptedProvider, log: string[]): Provider {
  return {
    ...provider,
    revoke: async (input) => {
      log.push(`${name}:${input.grantId}`);
      await provider.revoke(input);
    },
  };
}

const never = '0 0 1 1 *';

describe('expiry lease between schedulers on one database', () => {
  let h: Harness | undefined;
  const schedulers: SchedulerHandle[] = [];
  afterEach(async () => {
    for (const scheduler of schedulers.splice(0)) await scheduler.stop();
    await h?.close();
    h = undefined;
  });

  it('the holder revokes what is due; the other replica takes over once the holder stops', async () => {
    h = await createHarness('pglite');
    const revokes: string[] = [];
    const replica = (name: string): CoreDeps => ({ ...h!.deps, providers: { get: () => revokesBy(name, h!.provider, revokes) } });
    const leases: string[] = [];
    const acquire = h.deps.store.state.acquireLease.bind(h.deps.store.state);
    h.deps.store.state.acquireLease = async (name, holder, now, ttlMs) => {
      const held = await acquire(name, holder, now, ttlMs);
      if (name === EXPIRY_LEASE && held) leases.push(holder);
      return held;
    };
    const fast = { expiryLeaseEveryMs: 50, armEveryMs: 50 };
    schedulers.push(startScheduler(replica('a'), { holder: 'a', ...fast }));
    await expect.poll(() => leases.includes('a')).toBe(true);
    schedulers.push(startScheduler(replica('b'), { holder: 'b', ...fast }));

    const start = h.clock.now();
    await seedActiveGrants(h.deps.store, h.provider, 5, () => new Date(start.getTime() + 1_000), start);
    // Due by 500 ms: overdue by less than the other replica's grace, so only the holder may claim them.
    h.clock.advance(1_500);
    await expect.poll(() => revokes.length, { timeout: 10_000 }).toBe(5);
    expect(revokes.every((r) => r.startsWith('a:'))).toBe(true);
    expect(leases).not.toContain('b');

    // The holder stops (its lease is given back): the other replica takes the lease and claims at once.
    await schedulers.shift()!.stop();
    await seedActiveGrants(h.deps.store, h.provider, 3, () => new Date(h!.clock.now().getTime() + 1_000), h.clock.now());
    h.clock.advance(1_500);
    await expect.poll(() => revokes.length, { timeout: 10_000 }).toBe(8);
    expect(revokes.slice(5).every((r) => r.startsWith('b:'))).toBe(true);
    expect(leases).toContain('b');
    const events = await h.deps.store.readAudit({});
    expect(events.filter((e) => e.action === 'grant.expired')).toHaveLength(8);
    expect(verifyChain(events).ok).toBe(true);
  });

  it('a replica without the lease still revokes grants overdue by its grace (a holder that stopped claiming)', async () => {
    h = await createHarness('pglite');
    const revokes: string[] = [];
    // A holder that renews its lease but never claims (no timers, no pass): the grant must not wait for it.
    const acquire = h.deps.store.state.acquireLease.bind(h.deps.store.state);
    await acquire(EXPIRY_LEASE, 'stuck', h.clock.now(), 3_600_000);
    schedulers.push(
      startScheduler({ ...h.deps, providers: { get: () => revokesBy('b', h!.provider, revokes) } }, { holder: 'b', expiryGraceMs: 2_000 }),
    );
    const start = h.clock.now();
    await seedActiveGrants(h.deps.store, h.provider, 2, (i) => new Date(start.getTime() + (i === 0 ? 1_000 : 60_000)), start);
    h.clock.advance(3_500);
    await expect.poll(() => revokes, { timeout: 10_000 }).toEqual(['b:KC-1']);
    expect((await h.deps.store.getRequestByNumber(2))?.status).toBe('active');
  });

  it('arms a timer for a grant that becomes active after the scheduler started, and revokes it without a pass', async () => {
    h = await createHarness('pglite', { start: new Date() });
    // The system clock, so the timer and the claim agree on when the grant is due.
    const deps: CoreDeps = { ...h.deps, clock: { now: () => new Date() } };
    schedulers.push(startScheduler(deps, { holder: 'a', tickExpression: never, armEveryMs: 100, expiryLeaseEveryMs: 100 }));
    const expiresAt = new Date(Date.now() + 1_500);
    await seedActiveGrants(h.deps.store, h.provider, 1, () => expiresAt, new Date());
    await expect.poll(async () => (await h!.deps.store.getRequestByNumber(1))?.status, { timeout: 10_000 }).toBe('expired');
    const ended = (await h.deps.store.getRequestByNumber(1))!.endedAt!;
    expect(ended.getTime()).toBeGreaterThanOrEqual(expiresAt.getTime());
    expect(h.provider.calls.filter((c) => c.op === 'revoke')).toHaveLength(1);
  });
});

describe.skipIf(!hasTestPostgres())('schedulers racing on one Postgres database', () => {
  let close: (() => Promise<void>) | undefined;
  const schedulers: SchedulerHandle[] = [];
  afterEach(async () => {
    for (const scheduler of schedulers.splice(0)) await scheduler.stop();
    await close?.();
  });

  it('three schedulers that all claim at once revoke each grant once and record it once', async () => {
    const clock = createFakeClock(new Date('2026-11-24T09:00:00Z'));
    const provider = createScriptedProvider('demo');
    const set = await createReplicaSet(3, provider, clock);
    close = set.close;
    const start = clock.now();
    await seedActiveGrants(set.replicas[0]!.store, provider, 300, (i) => new Date(start.getTime() + 1_000 + (i % 10) * 100), start);
    // No grace: the replicas without the lease claim every due grant too, so all three race for each one.
    for (const [i, deps] of set.replicas.entries()) {
      schedulers.push(startScheduler(deps, { holder: `r${i}`, expiryGraceMs: 0, revokeConcurrency: 4 }));
    }
    clock.advance(5_000);
    await expect.poll(() => provider.live.size, { timeout: 30_000 }).toBe(0);
    const store = set.replicas[0]!.store;
    await expect.poll(async () => (await store.listRequests({ statuses: ['expired'] })).length, { timeout: 30_000 }).toBe(300);
    const revokes = new Map<string, number>();
    for (const call of provider.calls) if (call.op === 'revoke') revokes.set(call.grantId, (revokes.get(call.grantId) ?? 0) + 1);
    expect(revokes.size).toBe(300);
    expect([...revokes.values()].every((n) => n === 1)).toBe(true);
    // Each replica chains its own events after its commits: wait until no replica has any left unchained.
    await expect.poll(() => store.auditBacklog(), { timeout: 30_000 }).toBe(0);
    const events = await store.readAudit({});
    expect(events.filter((e) => e.action === 'grant.revoking')).toHaveLength(300);
    expect(events.filter((e) => e.action === 'grant.expired')).toHaveLength(300);
    expect(verifyChain(events).ok).toBe(true);
  }, 60_000);
});
