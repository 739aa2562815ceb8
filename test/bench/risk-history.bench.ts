import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { readScoringHistory } from '../../src/core/lifecycle/score.js';
import { assessRisk } from '../../src/core/risk/assess.js';
import { computeHabits, ticketsIn } from '../../src/core/risk/habits.js';
import { createScoringCache, type ScoringCache } from '../../src/core/risk/history-cache.js';
import { makePolicy } from '../fixtures/policy.js';
import { createTestStore } from '../helpers/db.js';
import { type BenchRow, percentile } from './stats.js';

const DAY_MS = 86_400_000;

/**
 * Scoring with the history lookups, as submission does it (issue #19 target: ≥ 10,000 scores/s and
 * p99 ≤ 1 ms on Postgres): the counts query, the requester's habit records, computeHabits and
 * assessRisk, `concurrency` requests at a time over `requesters` people with ~100 requests each.
 */
export async function benchRiskHistory(requesters = 1_000, scores = 20_000, concurrency = 16): Promise<BenchRow[]> {
  const db = await createTestStore('pg');
  const policy = makePolicy();
  try {
    await db.handle.db.execute(
      sql.raw(
        // ~100 requests per requester over 90 days on a few resources, levels and reasons.
        `insert into access_requests (number, kind, requester, resource, level, duration_ms, reason, status, score, tier, factors,
         approvals_required, approver_groups, distinct_groups, created_at, updated_at, activated_at, expires_at, ended_at, end_reason,
         provider, notices_sent, origin, break_glass, attempts, review_required)
       select nextval('request_number_seq'), 'access', 'user' || (g % ${requesters}) || '@example.com',
         (array['demo-db','demo-logs','demo-admin'])[1 + g % 3], (array['read','write','admin'])[1 + (g / 7) % 3], 900000,
         'rotation work OPS-' || (g % 97), 'expired', 20, 'medium', '[]'::jsonb, g % 2, '["sre"]'::jsonb, false,
         now() - (g % 90) * interval '1 day', now(), now() - (g % 90) * interval '1 day', now(), now(), 'expired', 'demo',
         '[]'::jsonb, '{"platform":"console"}'::jsonb, false, 0, false
       from generate_series(1, ${requesters * 100}) g`,
      ),
    );
    await db.handle.db.execute(sql.raw('analyze access_requests'));
    const run = async (cache: ScoringCache | undefined, scores: number) => {
      const latencies: number[] = [];
      let habitsMs = 0;
      let next = 0;
      const started = performance.now();
      const worker = async () => {
        while (next < scores) {
          const i = next;
          next += 1;
          const t0 = performance.now();
          const requester = `user${i % requesters}@example.com`;
          const at = new Date(Date.now() - (i % 5) * DAY_MS);
          const { history, records } = await readScoringHistory(db.store, cache, policy, requester, 'demo-db', at);
          const reason = 'rotation work OPS-12';
          const h0 = performance.now();
          const habits = computeHabits(policy, records, {
            at,
            resource: 'demo-db',
            level: 'write',
            reason,
            tickets: ticketsIn(reason, policy.risk.ticketPattern, null),
          });
          habitsMs += performance.now() - h0;
          assessRisk(policy, {
            resource: 'demo-db',
            resourcePolicy: policy.resources['demo-db']!,
            level: 'write',
            durationMs: 900_000,
            reason,
            incidentKey: null,
            breakGlass: false,
            kind: 'access',
            at,
            history,
            habits,
            requester,
          });
          latencies.push(performance.now() - t0);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const seconds = (performance.now() - started) / 1000;
      return { rate: scores / seconds, latencies, habitsUs: (habitsMs / scores) * 1000 };
    };
    const row = (label: string, r: Awaited<ReturnType<typeof run>>, scores: number): BenchRow => ({
      benchmark: `risk scoring with history lookups (Postgres, ${concurrency} at a time, ${label})`,
      result: `${Math.round(r.rate).toLocaleString('en-US')} scores/s`,
      detail: `p50 ${percentile(r.latencies, 50).toFixed(2)} ms, p99 ${percentile(r.latencies, 99).toFixed(2)} ms per score, computeHabits ${r.habitsUs.toFixed(1)} µs (${scores.toLocaleString('en-US')} scores, ${requesters.toLocaleString('en-US')} requesters × 100 requests); target ≥ 10,000/s, p99 ≤ 1 ms`,
    });
    // Every score reads the store (no cache), then through the per-requester cache (risk.thresholds.historyCacheStaleness 1s).
    const uncachedScores = Math.max(1_000, Math.round(scores / 10));
    const uncached = await run(undefined, uncachedScores);
    const cached = await run(createScoringCache({ now: () => Date.now() }), scores);
    // The same cache when fewer people are scoring at once (100 of the 1,000): how much of the load it can absorb.
    const all = requesters;
    requesters = Math.min(100, all);
    const hot = await run(createScoringCache({ now: () => Date.now() }), scores);
    requesters = all;
    return [
      row('no cache', uncached, uncachedScores),
      row('per-requester cache, ≤ 1 s stale', cached, scores),
      {
        ...row('per-requester cache, 100 people scoring', hot, scores),
        detail: row('', hot, scores).detail.replace(/\d[\d,]* requesters/, '100 of them'),
      },
    ];
  } finally {
    await db.close();
  }
}
