import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';
import { runTs } from './child-process.js';
import type { BenchRow } from './stats.js';

interface Probe {
  idleMb: number;
  peakMb: number;
  afterMb: number;
  seconds: number;
  pending: number;
}

async function probe(databaseUrl?: string): Promise<Probe> {
  const out = await runTs('test/bench/memory-probe.ts', databaseUrl ? [databaseUrl] : [], ['--expose-gc']);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Probe;
}

function row(store: string, p: Probe): BenchRow {
  return {
    benchmark: `memory (${store})`,
    result: `idle ${p.idleMb.toFixed(0)} MB RSS`,
    detail: `burst of 500 concurrent requests through the core: peak ${p.peakMb.toFixed(0)} MB, ${p.afterMb.toFixed(0)} MB after GC, ${(500 / p.seconds).toFixed(0)} requests/s (${p.pending} pending cards); own process, via tsx`,
  };
}

/** RSS of a whole Keycard (bootKeycard, example policy) at idle and under a burst, each in its own process. */
export async function benchMemory(): Promise<BenchRow[]> {
  const rows = [row('PGlite', await probe())];
  if (hasTestPostgres()) {
    const database = await freshPostgresDatabase();
    try {
      rows.push(row('Postgres', await probe(database.url)));
    } finally {
      await database.dispose();
    }
  }
  return rows;
}
