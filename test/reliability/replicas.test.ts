import { afterEach, describe, expect, it } from 'vitest';
import { sweepExpired, tick } from '../../src/core/scheduler/jobs.js';
import { hasTestPostgres } from '../helpers/db.js';
import { createFakeClock } from '../helpers/harness.js';
import { createScriptedProvider } from '../helpers/scripted-provider.js';
import { createReplicaSet, seedActiveGrants } from './replica-set.js';

describe.skipIf(!hasTestPostgres())('three replicas on one Postgres', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it('revokes 2,000 grants expiring in the same minute exactly once each, missing none', async () => {
    const clock = createFakeClock(new Date('2026-11-24T09:00:00Z'));
    const provider = createScriptedProvider('demo');
    const set = await createReplicaSet(3, provider, clock);
    close = set.close;
    const minute = clock.now().getTime() + 60_000;
    await seedActiveGrants(set.replicas[0]!.store, provider, 2_000, (i) => new Date(minute + (i % 60) * 1000), clock.now());
    expect(provider.live.size).toBe(2_000);

    // Every replica sweeps at the same instants, concurrently, until the minute is over.
    for (let second = 0; second <= 61; second += 1) {
      const now = new Date(minute + second * 1000);
      clock.set(now);
      for (;;) {
        const counts = await Promise.all(set.replicas.map((deps) => sweepExpired(deps, now)));
        if (counts.every((c) => c === 0)) break;
      }
    }
    const revokes = new Map<string, number>();
    for (const call of provider.calls) if (call.op === 'revoke') revokes.set(call.grantId, (revokes.get(call.grantId) ?? 0) + 1);
    expect(revokes.size).toBe(2_000);
    expect([...revokes.values()].every((n) => n === 1)).toBe(true);
    expect(provider.live.size).toBe(0);
    const store = set.replicas[0]!.store;
    expect(await store.listRequests({ statuses: ['active', 'revoking', 'revoke_failed'] })).toHaveLength(0);
    // Each replica chains its own events after its commits: wait until no replica has any left unchained.
    await expect.poll(() => store.auditBacklog(), { timeout: 30_000 }).toBe(0);
    const expired = (await store.readAudit({})).filter((e) => e.action === 'grant.expired');
    expect(expired).toHaveLength(2_000);
  }, 120_000);

  it('a replica that dies mid-revoke leaves the claim to another after the lease, and it is recorded once', async () => {
    const clock = createFakeClock(new Date('2026-11-24T09:00:00Z'));
    const provider = createScriptedProvider('demo');
    const set = await createReplicaSet(2, provider, clock);
    close = set.close;
    await seedActiveGrants(set.replicas[0]!.store, provider, 20, () => new Date(clock.now().getTime() + 1_000), clock.now());
    const [a, b] = set.replicas as [(typeof set.replicas)[0], (typeof set.replicas)[0]];
    // Replica A claims the due grants, then "dies" before calling the provider (its store goes away).
    const claimed = await a.store.transaction(async (tx) => tx.claimDue('expired', clock.advance(1_000), 100));
    expect(claimed).toHaveLength(20);
    await a.store.transaction(async (tx) => {
      for (const r of claimed)
        await tx.transition(r.id, ['active'], {
          status: 'revoking',
          endReason: 'expired',
          endedBy: 'keycard',
          attempts: 1,
          nextAttemptAt: new Date(clock.now().getTime() + 60_000),
        });
    });
    await tick(b, clock.advance(30_000));
    expect(provider.live.size).toBe(20);
    await tick(b, clock.advance(31_000));
    expect(provider.live.size).toBe(0);
    const expired = (await b.store.readAudit({})).filter((e) => e.action === 'grant.expired');
    expect(expired).toHaveLength(20);
  }, 60_000);
});
