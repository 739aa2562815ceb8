import { hasTestPostgres } from '../helpers/db.js';
import { benchLifecycle } from './lifecycle.bench.js';
import { benchRiskScoring } from './risk-scoring.bench.js';
import { type BenchRow, printTable } from './stats.js';

/** `npm run bench`: runs every benchmark and prints one table. Not a test: nothing here asserts a time. */
async function main(): Promise<void> {
  const rows: BenchRow[] = [];
  rows.push(benchRiskScoring());
  rows.push(await benchLifecycle('pglite'));
  if (hasTestPostgres()) rows.push(await benchLifecycle('pg'));
  else rows.push({ benchmark: 'lifecycle cycle (pg)', result: 'skipped', detail: 'set TEST_DATABASE_URL to include a Postgres server' });
  printTable(rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
