import { performance } from 'node:perf_hooks';
import { assessRisk } from '../../src/core/risk/assess.js';
import { makePolicy } from '../fixtures/policy.js';
import { type BenchRow, percentile } from './stats.js';

/** Scores per second and per-score latency of the pure risk engine. */
export function benchRiskScoring(iterations = 100_000): BenchRow {
  const policy = makePolicy();
  const resourcePolicy = policy.resources['demo-db']!;
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < iterations; i += 1) {
    const t0 = performance.now();
    assessRisk(policy, {
      resource: 'demo-db',
      resourcePolicy,
      level: i % 3 === 0 ? 'write' : 'read',
      durationMs: (i % 240) * 60_000 + 60_000,
      reason: i % 5 === 0 ? 'fix' : 'checking replication lag INC-42',
      incidentKey: i % 2 === 0 ? 'INC-42' : null,
      breakGlass: false,
      kind: 'access',
      at: new Date(Date.UTC(2026, 10, 24, i % 24, 0)),
      history: {
        cleanGrantsOnResource: i % 5,
        priorGrantsOnResource: i % 4,
        recentDenials: i % 3,
        recentAnomalies: 0,
        requestsInVelocityWindow: i % 7,
        newResourcesLastDay: i % 4,
      },
    });
    if (i % 100 === 0) latencies.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    benchmark: 'risk scoring',
    result: `${Math.round(iterations / seconds).toLocaleString('en-US')} scores/s`,
    detail: `p50 ${(percentile(latencies, 50) * 1000).toFixed(1)} µs, p99 ${(percentile(latencies, 99) * 1000).toFixed(1)} µs (${iterations.toLocaleString('en-US')} scores)`,
  };
}
