import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';
import { repoRoot, TSX_LOADER } from './child-process.js';
import { type BenchRow, percentile } from './stats.js';

/**
 * Wall time from spawning `keycard start` (no chat credentials: console mode, which serves the same
 * /readyz) to its first 200 on /readyz: Node start, loading the code, the policy, opening and migrating
 * the database, the scheduler, and the HTTP server.
 */
async function timeToReady(env: Record<string, string>, cwd: string): Promise<number> {
  const started = performance.now();
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', TSX_LOADER, join(repoRoot, 'src/cli/keycard.ts'), 'start'],
    { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', LOG_LEVEL: 'info', ...env }, stdio: 'pipe' },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  let exited = false;
  void closed.then(() => {
    exited = true;
  });
  try {
    const deadline = started + 60_000;
    for (;;) {
      if (exited || performance.now() > deadline) throw new Error(`keycard did not become ready: ${stderr.slice(-400)}`);
      const port = /"port":(\d+)[^\n]*health endpoints listening/.exec(stderr)?.[1];
      if (port) {
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        if (ready?.status === 200) return performance.now() - started;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    child.stdin.end();
    await closed;
  }
}

function row(name: string, samples: number[], note: string): BenchRow {
  return {
    benchmark: `start-up to ready (${name})`,
    result: `${(percentile(samples, 50) / 1000).toFixed(2)} s`,
    detail: `spawn → first 200 on /readyz, median of ${samples.length} (min ${(Math.min(...samples) / 1000).toFixed(2)} s, max ${(Math.max(...samples) / 1000).toFixed(2)} s); ${note}; via tsx`,
  };
}

export async function benchStartup(runs = 3): Promise<BenchRow[]> {
  const fresh: number[] = [];
  const existing: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const dir = mkdtempSync(join(tmpdir(), 'kc-boot-'));
    try {
      const env = { KEYCARD_DATA_DIR: join(dir, 'data') };
      fresh.push(await timeToReady(env, dir));
      existing.push(await timeToReady(env, dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const rows = [row('PGlite, fresh data dir', fresh, 'initdb + migrations'), row('PGlite, existing data dir', existing, 'a restart')];
  if (!hasTestPostgres()) return rows;
  const empty: number[] = [];
  const migrated: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const database = await freshPostgresDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'kc-boot-'));
    try {
      empty.push(await timeToReady({ DATABASE_URL: database.url }, dir));
      migrated.push(await timeToReady({ DATABASE_URL: database.url }, dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await database.dispose();
    }
  }
  rows.push(row('Postgres, empty database', empty, 'migrations under the advisory lock'), row('Postgres, migrated', migrated, 'a restart'));
  return rows;
}
