import { hasTestPostgres } from '../helpers/db.js';
import { benchLifecycle } from './lifecycle.bench.js';
import { benchMemory } from './memory.bench.js';
import { benchRequestToCard } from './request-to-card.bench.js';
import { benchRevocationLag } from './revocation-lag.bench.js';
import { benchRiskHistory } from './risk-history.bench.js';
import { benchRiskScoring } from './risk-scoring.bench.js';
import { benchSlackAck } from './slack-ack.bench.js';
import { benchStartup } from './startup.bench.js';
import { type BenchRow, printTable } from './stats.js';
import { benchSweepCost } from './sweep-cost.bench.js';

/** `npm run bench`: runs every benchmark and prints one table. Not a test: nothing here asserts a time. */
async function main(): Promise<void> {
  const rows: BenchRow[] = [];
  rows.push(benchRiskScoring());
  rows.push(await benchLifecycle('pglite'));
  if (hasTestPostgres()) {
    rows.push(await benchLifecycle('pg'));
    rows.push(await benchRevocationLag(1));
    rows.push(await benchRevocationLag(3));
    rows.push(...(await benchSweepCost()));
    rows.push(...(await benchRiskHistory()));
  } else {
    rows.push({
      benchmark: 'Postgres benchmarks',
      result: 'skipped',
      detail: 'set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run them',
    });
  }
  rows.push(await benchRequestToCard());
  rows.push(...(await benchSlackAck()));
  // Memory and start-up run in child processes of their own (each does the Postgres variant when it can).
  rows.push(...(await benchMemory()));
  rows.push(...(await benchStartup()));
  printTable(rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
