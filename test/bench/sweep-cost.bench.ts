import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { sweepExpired } from '../../src/core/scheduler/jobs.js';
import { createFakeClock } from '../helpers/harness.js';
import { createScriptedProvider } from '../helpers/scripted-provider.js';
import { createReplicaSet } from '../reliability/replica-set.js';
import { type BenchRow, percentile } from './stats.js';

/**
 * Cost of one sweep pass with nothing due, as the table of ended grants grows. It must stay flat (the
 * claim uses the partial index on active grants): it grows with what is due, not with history.
 */
export async function benchSweepCost(historySizes = [1_000, 10_000, 100_000]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const clock = createFakeClock(new Date('2026-11-24T09:00:00Z'));
  const set = await createReplicaSet(1, createScriptedProvider('demo'), clock);
  const client = new pg.Client({ connectionString: set.url });
  await client.connect();
  try {
    const deps = set.replicas[0]!;
    let inserted = 0;
    for (const size of historySizes) {
      await insertHistory(client, inserted, size - inserted);
      inserted = size;
      await client.query('analyze access_requests');
      const samples: number[] = [];
      for (let i = 0; i < 50; i += 1) {
        const t0 = performance.now();
        await sweepExpired(deps, clock.advance(1_000));
        samples.push(performance.now() - t0);
      }
      rows.push({
        benchmark: `sweep pass, ${size.toLocaleString('en-US')} ended grants`,
        result: `p50 ${percentile(samples, 50).toFixed(2)} ms`,
        detail: `p99 ${percentile(samples, 99).toFixed(2)} ms over 50 passes with nothing due`,
      });
    }
  } finally {
    await client.end();
    await set.close();
  }
  return rows;
}

/** Ended (expired) grants in bulk, one INSERT … SELECT generate_series per call. */
async function insertHistory(client: pg.Client, offset: number, count: number): Promise<void> {
  if (count <= 0) return;
  await client.query(
    `insert into access_requests (number, kind, requester, resource, level, duration_ms, reason, status, score, tier, factors,
       approvals_required, approver_groups, distinct_groups, created_at, updated_at, activated_at, expires_at, ended_at, end_reason,
       provider, notices_sent, origin, break_glass, attempts, review_required)
     select nextval('request_number_seq'), 'access', 'user' || (g % 500) || '@example.com', 'demo-db', 'read', 900000, 'history',
       'expired', 20, 'medium', '[]'::jsonb, 1, '["sre"]'::jsonb, false, now() - interval '30 days', now(), now() - interval '30 days',
       now() - interval '29 days', now() - interval '29 days', 'expired', 'demo', '[]'::jsonb, '{"platform":"console"}'::jsonb, false, 0, false
     from generate_series($1::int, $2::int) g`,
    [offset + 1, offset + count],
  );
}
