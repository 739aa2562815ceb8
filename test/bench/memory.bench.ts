import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';
import { keycardLauncher, type Launcher, startKeycard } from './keycard-process.js';
import type { BenchRow } from './stats.js';

const BURST = 500;
const MB = 1024 * 1024;

/** RSS and submitted requests, read from the process's own /metrics. */
async function scrape(port: number): Promise<{ rss: number; submitted: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const rss = Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? Number.NaN);
  const submitted = [...text.matchAll(/^keycard_requests_submitted_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  return { rss, submitted };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A whole `keycard start` process (console mode, example policy): RSS at idle, then 500 requests from
 * 500 people written to its stdin at once (the console runs them in order through the core), sampling
 * RSS from its own /metrics until all are recorded.
 */
async function measure(launcher: Launcher, store: string, env: Record<string, string>): Promise<BenchRow> {
  const dir = mkdtempSync(join(tmpdir(), 'kc-mem-'));
  const keycard = startKeycard(launcher, env, dir);
  try {
    await keycard.port();
    const port = await keycard.metricsPort();
    await sleep(2_000);
    const idle = (await scrape(port)).rss;
    const script = Array.from(
      { length: BURST },
      (_, i) => `as burst${i}@example.com\n/access demo-db 15m read checking replication lag INC-42\n`,
    ).join('');
    const started = performance.now();
    keycard.child.stdin.write(script);
    let peak = idle;
    for (;;) {
      const sample = await scrape(port);
      peak = Math.max(peak, sample.rss);
      if (sample.submitted >= BURST) break;
      if (performance.now() - started > 300_000) throw new Error(`only ${sample.submitted} of ${BURST} requests recorded`);
      await sleep(50);
    }
    const seconds = (performance.now() - started) / 1000;
    await sleep(2_000);
    const after = (await scrape(port)).rss;
    return {
      benchmark: `memory (${store})`,
      result: `idle ${(idle / MB).toFixed(0)} MB RSS`,
      detail: `${BURST} requests queued at once: peak ${(peak / MB).toFixed(0)} MB, ${(after / MB).toFixed(0)} MB 2 s later, ${(BURST / seconds).toFixed(0)} requests/s; keycard start, ${launcher.label}`,
    };
  } finally {
    await keycard.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Memory of the real process at idle and under a burst, on PGlite and (with TEST_DATABASE_URL) Postgres. */
export async function benchMemory(): Promise<BenchRow[]> {
  const launcher = keycardLauncher();
  const rows = [await measure(launcher, 'PGlite', { KEYCARD_DATA_DIR: 'data' })];
  if (hasTestPostgres()) {
    const database = await freshPostgresDatabase();
    try {
      rows.push(await measure(launcher, 'Postgres', { DATABASE_URL: database.url }));
    } finally {
      await database.dispose();
    }
  }
  return rows;
}
