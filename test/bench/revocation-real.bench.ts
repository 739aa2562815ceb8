import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { type Provider, ProviderError } from '../../src/core/ports/provider.js';
import { startScheduler } from '../../src/scheduler/start-scheduler.js';
import { createReplicaSet } from '../reliability/replica-set.js';
import { sleep } from './serve-process.js';
import { type BenchRow, percentile } from './stats.js';

export interface RealClockOptions {
  replicas: number;
  active: number;
  /** How many of the active grants expire within `windowMs` from the start (evenly spread). */
  due: number;
  windowMs: number;
  /** How long the demo target takes to confirm a revoke. */
  revokeLatencyMs: number;
}

/** A demo target that takes `latencyMs` to confirm each revoke and records when it did, per grant. */
function slowDemoTarget(latencyMs: number): { provider: Provider; confirmed: Map<string, number[]> } {
  const confirmed = new Map<string, number[]>();
  const provider: Provider = {
    kind: 'demo',
    grant: async () => ({ ref: {} }),
    async revoke(input) {
      await sleep(latencyMs);
      const at = Date.now();
      confirmed.set(input.grantId, [...(confirmed.get(input.grantId) ?? []), at]);
    },
    list: async () => [],
    extend: async () => {},
    terminateSessions: async () => 0,
    verifyRevoked: async () => true,
    inventory: async () => {
      throw new ProviderError('unsupported', 'the benchmark target keeps no standing access');
    },
    close: async () => {},
  };
  return { provider, confirmed };
}

/** Active grants in bulk: the first `due` expire over the window, the rest an hour later. */
async function seed(url: string, options: RealClockOptions, start: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `insert into access_requests (number, kind, requester, resource, level, duration_ms, reason, status, score, tier, factors,
         approvals_required, approver_groups, distinct_groups, created_at, updated_at, activated_at, expires_at,
         provider, notices_sent, origin, break_glass, attempts, review_required)
       select nextval('request_number_seq'), 'access', 'user' || g || '@example.com', 'demo-db', 'read', 3600000, 'seeded',
         'active', 20, 'medium', '[]'::jsonb, 1, '["sre"]'::jsonb, false, now(), now(), now(),
         case when g <= $2 then to_timestamp(($3::float8 + (g - 1) * $4::float8) / 1000) else now() + interval '2 hours' end,
         'demo', '["10m","2m","5s"]'::jsonb, '{"platform":"console"}'::jsonb, false, 0, false
       from generate_series(1, $1::int) g`,
      [options.active, options.due, start, options.windowMs / options.due],
    );
    await client.query('analyze access_requests');
  } finally {
    await client.end();
  }
}

/**
 * Issue row 6 on a real clock: grants with real expiry timestamps, the real scheduler (per-second tick,
 * precise timers, claims) on each replica, every replica its own pool on one real Postgres database, and a
 * demo target with a revoke latency. Lag = target's confirmation − the grant's expiry, by the wall clock.
 */
export async function benchRevocationRealClock(options: RealClockOptions): Promise<BenchRow> {
  const { provider, confirmed } = slowDemoTarget(options.revokeLatencyMs);
  const set = await createReplicaSet(options.replicas, provider, { now: () => new Date() });
  try {
    // Expiries start a few seconds out, so every replica's scheduler is running before the first is due.
    const start = Date.now() + 5_000;
    const seeded = performance.now();
    await seed(set.url, options, start);
    const seedSeconds = (performance.now() - seeded) / 1000;
    const expiryOf = (n: number) => start + (n - 1) * (options.windowMs / options.due);
    const schedulers = set.replicas.map((deps, i) => startScheduler(deps, { holder: `bench-replica-${i}` }));
    const end = start + options.windowMs;
    while (Date.now() < end + 2_000 || (confirmed.size < options.due && Date.now() < end + 30_000)) await sleep(250);
    await Promise.all(schedulers.map((s) => s.stop()));
    const client = new pg.Client({ connectionString: set.url });
    await client.connect();
    const rows = await client.query<{ number: number }>('select number from access_requests where number <= $1', [options.due]);
    const early = await client.query<{ n: number }>(
      `select count(*)::int n from access_requests where number > $1 and status <> 'active'`,
      [options.due],
    );
    await client.end();
    const lags: number[] = [];
    let misses = 0;
    let duplicates = 0;
    for (const row of rows.rows) {
      // The provider sees each grant by its reference (KC-<number>).
      const at = confirmed.get(`KC-${row.number}`);
      if (!at) {
        misses += 1;
        continue;
      }
      if (at.length > 1) duplicates += 1;
      lags.push(at[0]! - expiryOf(row.number));
    }
    const ms = (p: number) => `${percentile(lags, p).toFixed(0)} ms`;
    return {
      benchmark: `revocation lag, real clock, ${options.replicas} replica(s)`,
      goal: '≤ 250 ms p99, 0 duplicates, 0 missed',
      result: `p99 ${ms(99)}`,
      detail: `p50 ${ms(50)} · p95 ${ms(95)} · max ${lags.length ? Math.max(...lags).toFixed(0) : 'n/a'} ms; ${options.due.toLocaleString('en-US')} of ${options.active.toLocaleString('en-US')} active expiring within ${options.windowMs / 1000} s; duplicates ${duplicates}, missed ${misses}, revoked early ${early.rows[0]?.n ?? 0}; revoke latency ${options.revokeLatencyMs} ms; replicas in one process, each its own pool and scheduler (seeded in ${seedSeconds.toFixed(1)} s)`,
    };
  } finally {
    await set.close();
  }
}
