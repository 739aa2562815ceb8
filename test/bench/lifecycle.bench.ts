import { performance } from 'node:perf_hooks';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { StoreKind } from '../helpers/db.js';
import { createHarness } from '../helpers/harness.js';
import { type BenchRow, percentile } from './stats.js';

/** Full request → approve → release cycles through the core on a real store. */
export async function benchLifecycle(kind: StoreKind, cycles = 200): Promise<BenchRow> {
  const h = await createHarness(kind);
  try {
    const latencies: number[] = [];
    const started = performance.now();
    for (let i = 1; i <= cycles; i += 1) {
      const t0 = performance.now();
      const actor = `user${i}@example.com`;
      const origin = { platform: 'console' as const };
      await handleCommand(h.deps, { actor, text: '/access demo-db 15m read checking replication lag INC-42', origin });
      await handleCommand(h.deps, { actor: 'bob@example.com', text: `approve KC-${i}`, origin });
      await handleCommand(h.deps, { actor, text: `release KC-${i}`, origin });
      latencies.push(performance.now() - t0);
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      benchmark: `lifecycle cycle (${kind}), one replica`,
      ...(kind === 'pg' ? { goal: '≥ 200 cycles/s' } : {}),
      result: `${(cycles / seconds).toFixed(1)} cycles/s`,
      detail: `request+approve+grant+release: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms (${cycles} cycles)`,
    };
  } finally {
    await h.close();
  }
}
