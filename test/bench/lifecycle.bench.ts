import { performance } from 'node:perf_hooks';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { StoreKind } from '../helpers/db.js';
import { createHarness } from '../helpers/harness.js';
import { type BenchRow, percentile } from './stats.js';

/**
 * Full request → approve → grant → release cycles through the core on a real store, by `concurrency`
 * requesters at once (each its own person, as in a team), so throughput is what the store and the
 * serial audit chain allow, not one cycle's round trips end to end.
 */
export async function benchLifecycle(kind: StoreKind, cycles = 200, concurrency = 1): Promise<BenchRow> {
  const h = await createHarness(kind);
  try {
    const latencies: number[] = [];
    const origin = { platform: 'console' as const };
    let next = 0;
    let failures = 0;
    const worker = async () => {
      for (let i = next++; i < cycles; i = next++) {
        const t0 = performance.now();
        const actor = `user${i}@example.com`;
        const submitted = await handleCommand(h.deps, { actor, text: '/access demo-db 15m read checking replication lag INC-42', origin });
        if (submitted.kind !== 'request') {
          failures += 1;
          continue;
        }
        const ref = submitted.request.ref;
        const approved = await handleCommand(h.deps, { actor: 'bob@example.com', text: `approve ${ref}`, origin });
        const released = await handleCommand(h.deps, { actor, text: `release ${ref}`, origin });
        if (approved.kind !== 'request' || released.kind !== 'request') failures += 1;
        latencies.push(performance.now() - t0);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    return {
      benchmark: `lifecycle cycles (${kind}), one replica, ${concurrency} at once`,
      ...(kind === 'pg' && concurrency > 1 ? { goal: '≥ 200 cycles/s' } : {}),
      result: `${(latencies.length / seconds).toFixed(1)} cycles/s`,
      detail: `request+approve+grant+release through the core: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms per cycle (${cycles} cycles, ${failures} failed; the test harness's pool: ${kind === 'pg' ? '5 connections' : 'one PGlite'})`,
    };
  } finally {
    await h.close();
  }
}
