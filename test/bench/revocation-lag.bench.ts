import { performance } from 'node:perf_hooks';
import { sweepExpired } from '../../src/core/scheduler/jobs.js';
import { createFakeClock } from '../helpers/harness.js';
import { createScriptedProvider } from '../helpers/scripted-provider.js';
import { createReplicaSet, seedActiveGrants } from '../reliability/replica-set.js';
import { type BenchRow, percentile } from './stats.js';

/**
 * Revocation lag = time from a grant's expiry to the provider confirming its revoke. 10,000 active grants,
 * 1,000 of them expiring within the same minute; every replica sweeps at each second of that minute (as the
 * per-second tick and the precise timers do). Duplicates and misses are counted.
 */
export async function benchRevocationLag(replicaCount: number, active = 10_000, expiring = 1_000): Promise<BenchRow> {
  const clock = createFakeClock(new Date('2026-11-24T09:00:00Z'));
  const provider = createScriptedProvider('demo');
  const confirmedAt = new Map<string, number>();
  const revokes = new Map<string, number>();
  const originalRevoke = provider.revoke.bind(provider);
  provider.revoke = async (input) => {
    await originalRevoke(input);
    revokes.set(input.grantId, (revokes.get(input.grantId) ?? 0) + 1);
    if (!confirmedAt.has(input.grantId)) confirmedAt.set(input.grantId, performance.now());
  };
  const set = await createReplicaSet(replicaCount, provider, clock);
  try {
    const minute = clock.now().getTime() + 60_000;
    const expiry = (i: number) => (i < expiring ? new Date(minute + (i % 60) * 1000) : new Date(minute + 3_600_000));
    await seedActiveGrants(set.replicas[0]!.store, provider, active, expiry, clock.now());
    const dueAt = new Map<string, number>();
    for (let second = 0; second < 60; second += 1) {
      const now = new Date(minute + second * 1000);
      clock.set(now);
      const started = performance.now();
      for (let i = second; i < expiring; i += 60) dueAt.set(`KC-${i + 1}`, started);
      for (;;) {
        const counts = await Promise.all(set.replicas.map((deps) => sweepExpired(deps, now)));
        if (counts.every((c) => c === 0)) break;
      }
    }
    const lags = [...dueAt].map(([id, due]) => (confirmedAt.get(id) ?? Number.POSITIVE_INFINITY) - due);
    const missed = [...dueAt.keys()].filter((id) => !revokes.has(id)).length;
    const duplicates = [...revokes.values()].filter((n) => n > 1).length;
    const early = [...revokes.keys()].filter((id) => !dueAt.has(id)).length;
    return {
      benchmark: `revocation lag, ${replicaCount} replica(s), FAKE clock`,
      goal: '≤ 250 ms p99 on a real clock',
      result: `p50 ${percentile(lags, 50).toFixed(0)} ms · p99 ${percentile(lags, 99).toFixed(0)} ms · max ${Math.max(...lags).toFixed(0)} ms`,
      detail: `not the issue's measurement (no timers, ticks or real expiry); ${expiring} of ${active.toLocaleString('en-US')} active grants expiring in one minute; duplicates ${duplicates}, misses ${missed}, early ${early}`,
    };
  } finally {
    await set.close();
  }
}
