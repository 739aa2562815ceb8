import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from './child-process.js';
import { type BenchRow, percentile } from './stats.js';

/** Printed by every measured process at exit: its own peak RSS as the kernel counted it (KiB). */
const REPORT_PEAK = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nbench-maxrss '+process.resourceUsage().maxRSS+'\\n'))`;

interface Run {
  ms: number;
  peakKb: number;
  code: number | null;
}

async function timed(args: string[], cwd: string): Promise<Run> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', REPORT_PEAK, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const peakKb = Number(/bench-maxrss (\d+)/.exec(stderr)?.[1] ?? Number.NaN);
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(-400)}`);
  return { ms: performance.now() - started, peakKb, code };
}

/**
 * Row 4 of the table: `keycard risk explain` in a folder with no data dir yet (what a new user
 * or a script runs first), whole process, paired run by run with a bare `node -e 0`.
 */
export async function benchOneShot(runs: number): Promise<BenchRow[]> {
  const keycard = join(repoRoot, 'bin/keycard.js');
  const ours: Run[] = [];
  const bare: Run[] = [];
  for (let i = 0; i < runs + 1; i += 1) {
    const dir = mkdtempSync(join(tmpdir(), 'kc-oneshot-'));
    try {
      const reference = await timed(['-e', '0'], dir);
      const explained = await timed([keycard, 'risk', 'explain', '--as', 'alice@example.com', 'demo-db', '30m', 'write'], dir);
      if (i === 0) continue; // warm-up: file cache, and bin/keycard.js building dist/ if it is stale
      bare.push(reference);
      ours.push(explained);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
  const med = (runsOf: Run[], f: (r: Run) => number) => percentile(runsOf.map(f), 50);
  return [
    {
      benchmark: 'keycard risk explain, fresh data dir',
      goal: '≤ 1 s, ≤ 150 MB',
      result: `${s(med(ours, (r) => r.ms))}, ${mb(med(ours, (r) => r.peakKb))}`,
      reference: `bare node -e 0: ${s(med(bare, (r) => r.ms))}, ${mb(med(bare, (r) => r.peakKb))}`,
      detail: `whole process via bin/keycard.js, peak RSS from the process's own rusage; median of ${ours.length} after a warm-up (max ${s(Math.max(...ours.map((r) => r.ms)))})`,
    },
  ];
}
