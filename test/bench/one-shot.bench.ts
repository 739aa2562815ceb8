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

/** The one-shot commands of issue #17 item 4, each run in a folder with no data dir yet (what a new user or a script runs first). */
const COMMANDS: Array<{ label: string; args: string[] }> = [
  { label: 'keycard risk explain', args: ['risk', 'explain', '--as', 'alice@example.com', 'demo-db', '30m', 'write'] },
  { label: 'keycard policy check', args: ['policy', 'check'] },
  { label: 'keycard audit verify', args: ['audit', 'verify'] },
  { label: 'keycard audit export', args: ['audit', 'export'] },
  { label: 'keycard inventory', args: ['inventory'] },
  { label: 'keycard reconcile --dry-run', args: ['reconcile', '--dry-run'] },
];

/**
 * Row 4 of the table (risk explain), and the other one-shot commands it names: each whole process
 * in a folder with no data dir yet, paired run by run with a bare `node -e 0`.
 */
export async function benchOneShot(runs: number): Promise<BenchRow[]> {
  const keycard = join(repoRoot, 'bin/keycard.js');
  const ours = new Map<string, Run[]>(COMMANDS.map((c) => [c.label, []]));
  const bare: Run[] = [];
  for (let i = 0; i < runs + 1; i += 1) {
    for (const command of COMMANDS) {
      const dir = mkdtempSync(join(tmpdir(), 'kc-oneshot-'));
      try {
        const reference = await timed(['-e', '0'], dir);
        const run = await timed([keycard, ...command.args], dir);
        if (i === 0) continue; // warm-up: file cache, and bin/keycard.js building dist/ if it is stale
        bare.push(reference);
        ours.get(command.label)!.push(run);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
  const med = (runsOf: Run[], f: (r: Run) => number) => percentile(runsOf.map(f), 50);
  return COMMANDS.map(({ label }) => {
    const runsOf = ours.get(label)!;
    return {
      benchmark: `${label}, fresh data dir`,
      goal: '≤ 1 s, ≤ 150 MB',
      result: `${s(med(runsOf, (r) => r.ms))}, ${mb(med(runsOf, (r) => r.peakKb))}`,
      reference: `bare node -e 0: ${s(med(bare, (r) => r.ms))}, ${mb(med(bare, (r) => r.peakKb))}`,
      detail: `whole process via bin/keycard.js, peak RSS from the process's own rusage; median of ${runsOf.length} after a warm-up (max ${s(Math.max(...runsOf.map((r) => r.ms)))})`,
    };
  });
}
