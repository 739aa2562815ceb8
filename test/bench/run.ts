import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { hasTestPostgres } from '../helpers/db.js';
import { repoRoot } from './child-process.js';
import { benchCycleCost, benchLifecycle } from './lifecycle.bench.js';
import { benchOneShot } from './one-shot.bench.js';
import { benchQueuedBurst } from './queued-burst.bench.js';
import { benchReconcileCost } from './reconcile-cost.bench.js';
import { benchRequestToCard } from './request-to-card.bench.js';
import { benchRevocationLag } from './revocation-lag.bench.js';
import { benchRevocationPostgresLogins } from './revocation-postgres.bench.js';
import { benchRevocationRealClock } from './revocation-real.bench.js';
import { benchRiskHistory } from './risk-history.bench.js';
import { benchRiskScoring } from './risk-scoring.bench.js';
import { benchRuntime } from './runtime.bench.js';
import { benchSlackAck } from './slack-ack.bench.js';
import { type BenchRow, printTable } from './stats.js';
import { benchSweepCost } from './sweep-cost.bench.js';

/**
 * `npm run bench` (`-- --quick` for one run of each process measurement and smaller loads): runs every
 * benchmark and prints one table, the rows first, each with its goal and the reference measured
 * in the same run. `-- --only=runtime,lifecycle` runs just those groups (runtime, one-shot, lifecycle,
 * revocation, risk, sweep, reconcile, slack). Not a test: nothing here asserts a time. Exits when done.
 */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const only = process.argv
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const want = (group: string) => only === undefined || only.includes(group);
  const runs = quick ? 1 : 3;
  // The process benchmarks run bin/keycard.js, which runs dist/: build it first so no run pays for it.
  spawnSync(process.execPath, [join(repoRoot, 'scripts/ensure-built.mjs')], { stdio: 'inherit' });
  const rows: BenchRow[] = [];
  const postgres = hasTestPostgres();
  if (want('runtime')) rows.push(...(await benchRuntime(runs)));
  if (postgres && want('runtime')) rows.push(...(await benchQueuedBurst(runs)));
  if (want('one-shot')) rows.push(...(await benchOneShot(runs)));
  if (postgres && want('lifecycle')) {
    rows.push(await benchCycleCost());
    rows.push(await benchLifecycle('pg', quick ? 100 : 600, 16, quick ? 300 : 1_500));
    rows.push(await benchLifecycle('pg', quick ? 30 : 200, 1, quick ? 50 : 300));
  }
  if (postgres && want('revocation')) {
    // The load in the full run; a tenth of it over 20 s in the quick one.
    const load = quick ? { active: 10_000, due: 1_000, windowMs: 20_000 } : { active: 100_000, due: 10_000, windowMs: 60_000 };
    for (const replicas of [1, 3]) rows.push(await benchRevocationRealClock({ replicas, ...load, revokeLatencyMs: 20 }));
    // The second run: real login roles at a Postgres target, some with an open session (each one a connection
    // to the shared test server, whose max_connections bounds how many).
    const logins = quick ? { logins: 100, sessions: 20, windowMs: 10_000 } : { logins: 300, sessions: 40, windowMs: 20_000 };
    for (const replicas of [1, 3]) rows.push(await benchRevocationPostgresLogins({ replicas, ...logins }));
    rows.push(await benchRevocationLag(1));
    rows.push(await benchRevocationLag(3));
  }
  if (want('risk')) rows.push(benchRiskScoring());
  if (want('lifecycle')) rows.push(await benchLifecycle('pglite', quick ? 50 : 200));
  if (postgres) {
    if (want('sweep')) rows.push(...(await benchSweepCost(quick ? [1_000, 10_000] : undefined)));
    if (want('reconcile')) rows.push(...(await benchReconcileCost()));
    if (want('risk')) rows.push(...(await benchRiskHistory()));
  } else {
    rows.push({
      benchmark: 'Postgres benchmarks',
      result: 'skipped',
      detail: 'set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run them',
    });
  }
  if (want('slack')) {
    rows.push(await benchRequestToCard());
    rows.push(...(await benchSlackAck(quick ? 300 : 1_000)));
  }
  printTable(rows);
}

main().then(
  // Explicit: a pool or timer some library keeps would otherwise hold the process open after the table.
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
