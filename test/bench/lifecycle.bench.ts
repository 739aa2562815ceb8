import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { handleCommand } from '../../src/core/commands/handle.js';
import { createScoringCache } from '../../src/core/risk/history-cache.js';
import { startHistoryFeed } from '../../src/core/risk/history-feed.js';
import type { StoreKind } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { countRoundTrips } from './round-trips.js';
import { type BenchRow, percentile } from './stats.js';

const origin = { platform: 'console' as const };

/** One request → approve → grant → release by the console commands; false when a step did not do its part. */
async function cycle(h: Harness, i: number): Promise<boolean> {
  const actor = `user${i}@example.com`;
  const submitted = await handleCommand(h.deps, { actor, text: '/access demo-db 15m read checking replication lag INC-42', origin });
  if (submitted.kind !== 'request') return false;
  const ref = submitted.request.ref;
  const approved = await handleCommand(h.deps, { actor: 'bob@example.com', text: `approve ${ref}`, origin });
  const released = await handleCommand(h.deps, { actor, text: `release ${ref}`, origin });
  return approved.kind === 'request' && released.kind === 'request' && released.request.status === 'revoked';
}

/**
 * The harness with what `keycard start` adds to the core's deps for scoring (main.ts): the scoring cache and its
 * change feed, read every quarter of the policy's historyCacheStaleness. Each cycle's requester is new to it, so
 * a score still reads their history (one snapshot query, as on a running server), never a cached one.
 */
async function createBenchHarness(kind: StoreKind): Promise<Harness & { stop(): Promise<void> }> {
  const h = await createHarness(kind);
  const scoringCache = createScoringCache({ now: () => h.clock.now().getTime() });
  h.deps.scoringCache = scoringCache;
  const feed = startHistoryFeed({
    cache: scoringCache,
    read: (since) => h.deps.store.historyChanges(since),
    everyMs: () => Math.min(30_000, Math.max(100, h.deps.policy().risk.thresholds.historyCacheStaleness / 4)),
    log: h.deps.log,
  });
  return { ...h, stop: () => feed.stop() };
}

/** CPU ticks (user + system) a local process has used, from /proc; undefined when it cannot be read (a remote server). */
function cpuTicks(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * Node's CPU and, when the test server runs on this machine, the CPU of the benchmark database's server
 * processes (its connections, from pg_stat_activity): where a cycle's time goes, not only how many fit in
 * a second. /proc counts in clock ticks, 100 per second on Linux.
 */
async function cpuMeter(h: Harness): Promise<(cycles: number) => Promise<string>> {
  const { handle } = h.testStore;
  const backends = async () =>
    handle.driver === 'pg'
      ? (await handle.pool.query('select pid from pg_stat_activity where datname = current_database()')).rows.map((r) => Number(r.pid))
      : [];
  const before = new Map((await backends()).map((pid) => [pid, cpuTicks(pid)]));
  const node = process.cpuUsage();
  return async (cycles) => {
    const used = process.cpuUsage(node);
    let ticks = 0;
    let readable = handle.driver === 'pg';
    for (const pid of new Set([...before.keys(), ...(await backends())])) {
      const now = cpuTicks(pid);
      if (now === undefined && before.get(pid) === undefined) readable = false;
      ticks += (now ?? before.get(pid) ?? 0) - (before.get(pid) ?? 0);
    }
    const per = (ms: number) => `${(ms / Math.max(cycles, 1)).toFixed(2)} ms`;
    const nodeCpu = `node ${per((used.user + used.system) / 1000)}`;
    return readable ? `${nodeCpu}, Postgres ${per(ticks * 10)}` : nodeCpu;
  };
}

/**
 * Full request → approve → grant → release cycles through the core on a real store, by `concurrency`
 * requesters at once (each its own person, as in a team), so throughput is what the store and the
 * serial audit chain allow, not one cycle's round trips end to end.
 */
export async function benchLifecycle(kind: StoreKind, cycles = 200, concurrency = 1, warmup = 0): Promise<BenchRow> {
  const h = await createBenchHarness(kind);
  try {
    // A running server has long been through V8's tiers; a fresh process spends its first ~1,500 cycles there
    // (Node's CPU per cycle falls from ~7 to ~4 ms), so the row measures after `warmup` cycles by other people.
    let next = 0;
    const warm = async () => {
      for (let i = next++; i < warmup; i = next++) await cycle(h, 1_000_000 + i);
    };
    await Promise.all(Array.from({ length: concurrency }, warm));
    const latencies: number[] = [];
    next = 0;
    let failures = 0;
    const worker = async () => {
      for (let i = next++; i < cycles; i = next++) {
        const t0 = performance.now();
        if (!(await cycle(h, i))) failures += 1;
        else latencies.push(performance.now() - t0);
      }
    };
    const meter = await cpuMeter(h);
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    const cpu = await meter(latencies.length + failures);
    return {
      benchmark: `lifecycle cycles (${kind}), one replica, ${concurrency} at once`,
      ...(kind === 'pg' && concurrency > 1 ? { goal: '≥ 200 cycles/s' } : {}),
      result: `${(latencies.length / seconds).toFixed(1)} cycles/s`,
      detail: `request+approve+grant+release through the core: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms per cycle (${cycles} cycles after ${warmup} warm-up cycles, ${failures} failed; the test harness's pool: ${kind === 'pg' ? '5 connections' : 'one PGlite'}, with keycard start's scoring cache); CPU per cycle: ${cpu}`,
    };
  } finally {
    await h.stop();
    await h.close();
  }
}

/**
 * Round trips and transactions of one cycle on Postgres, counted at the pg client (every `query` call is a
 * round trip), averaged over `cycles` after a warm-up. KEYCARD_BENCH_STATEMENTS=1 prints the statements.
 */
export async function benchCycleCost(cycles = 20): Promise<BenchRow> {
  const h = await createBenchHarness('pg');
  try {
    const { handle } = h.testStore;
    if (handle.driver !== 'pg') throw new Error('expected node-postgres');
    const counter = countRoundTrips(handle.pool);
    for (let i = 0; i < 3; i += 1) await cycle(h, 1_000_000 + i);
    counter.reset();
    let failures = 0;
    for (let i = 0; i < cycles; i += 1) if (!(await cycle(h, i))) failures += 1;
    if (process.env.KEYCARD_BENCH_STATEMENTS) {
      for (const [text, n] of [...counter.statements].sort((a, b) => b[1] - a[1]))
        console.log(`${(n / cycles).toFixed(1).padStart(5)}  ${text}`);
    }
    const per = (n: number) => (n / cycles).toFixed(1);
    const { sequencer } = counter;
    return {
      benchmark: 'lifecycle cycle on Postgres: round trips',
      result: `${per(counter.queries - sequencer.queries)} round trips, ${per(counter.transactions - sequencer.transactions)} transactions`,
      detail: `per request+approve+grant+release, counted at the pg client, one cycle at a time (${cycles} cycles, ${failures} failed); besides these, the audit sequencer's ${per(sequencer.queries)} round trips in ${per(sequencer.transactions)} transactions per cycle (one run chains what committed in the 50 ms before it, so fewer per cycle under load)`,
    };
  } finally {
    await h.stop();
    await h.close();
  }
}
