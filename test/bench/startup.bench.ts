import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';
import { keycardLauncher, type Launcher, startKeycard } from './keycard-process.js';
import { type BenchRow, percentile } from './stats.js';

/**
 * Wall time from spawning `keycard start` (no chat credentials: console mode, which serves the same
 * /readyz) to its first 200 on /readyz: Node start, loading the code, the policy, opening and migrating
 * the database, the scheduler, and the HTTP server.
 */
async function timeToReady(launcher: Launcher, env: Record<string, string>, cwd: string): Promise<number> {
  const started = performance.now();
  const keycard = startKeycard(launcher, env, cwd);
  try {
    const port = await keycard.port();
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      if (ready?.status === 200) return performance.now() - started;
      if (performance.now() - started > 60_000) throw new Error('keycard never became ready');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await keycard.stop();
  }
}

function row(name: string, samples: number[], note: string, launcher: Launcher): BenchRow {
  const seconds = (ms: number) => (ms / 1000).toFixed(2);
  return {
    benchmark: `start-up to ready (${name})`,
    result: `${seconds(percentile(samples, 50))} s`,
    detail: `spawn → first 200 on /readyz, median of ${samples.length} (min ${seconds(Math.min(...samples))} s, max ${seconds(Math.max(...samples))} s); ${note}; ${launcher.label}`,
  };
}

/** Start-up to ready on PGlite (fresh and existing data dir) and, with TEST_DATABASE_URL, on Postgres. */
export async function benchStartup(runs = 3): Promise<BenchRow[]> {
  const launcher = keycardLauncher();
  const fresh: number[] = [];
  const existing: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const dir = mkdtempSync(join(tmpdir(), 'kc-boot-'));
    try {
      const env = { KEYCARD_DATA_DIR: join(dir, 'data') };
      fresh.push(await timeToReady(launcher, env, dir));
      existing.push(await timeToReady(launcher, env, dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const rows = [
    row('PGlite, fresh data dir', fresh, 'initdb + migrations', launcher),
    row('PGlite, existing data dir', existing, 'a restart', launcher),
  ];
  if (!hasTestPostgres()) return rows;
  const empty: number[] = [];
  const migrated: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const database = await freshPostgresDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'kc-boot-'));
    try {
      empty.push(await timeToReady(launcher, { DATABASE_URL: database.url }, dir));
      migrated.push(await timeToReady(launcher, { DATABASE_URL: database.url }, dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await database.dispose();
    }
  }
  rows.push(
    row('Postgres, empty database', empty, 'migrations under the advisory lock', launcher),
    row('Postgres, migrated', migrated, 'a restart', launcher),
  );
  return rows;
}
