import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFlags, parseArgs, SWITCH } from '../../src/cli/args.js';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/keycard.js';

const root = join(import.meta.dirname, '../..');

async function run(args: string[], prepare?: (cwd: string) => void) {
  const cwd = mkdtempSync(join(tmpdir(), 'kc-valueless-'));
  prepare?.(cwd);
  const before = readdirSync(cwd);
  const dataDir = join(cwd, 'data');
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { KEYCARD_POLICY: join(root, 'manifests/policy.example.yaml'), KEYCARD_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    cwd,
    stdin: process.stdin,
    stdoutIsTTY: false,
  };
  const code = await runCli(args, io);
  return { code, out: out.join('\n'), err: err.join('\n'), touched: readdirSync(cwd).filter((f) => !before.includes(f)) };
}

/**
 * A flag that takes a value, given without one, is a usage error naming the flag: never the default in
 * silence (an explain scored "now", a calibration of the database instead of the file the operator meant).
 */
describe('a value flag given without its value', () => {
  it.each([
    [['risk', 'explain', '--as', 'alice@example.com', 'demo-db', '--at'], '--at needs an ISO time'],
    [['risk', 'explain', '--as', 'alice@example.com', 'demo-db', '--reason'], '--reason needs a reason'],
    [['risk', 'explain', '--as', 'alice@example.com', 'demo-db', '--reason='], '--reason needs a reason'],
    [['risk', 'explain', '--as', 'alice@example.com', 'demo-db', '--at', '--json'], '--at needs an ISO time'],
    [['risk', 'explain', 'demo-db', '--as'], '--as needs an e-mail address'],
    [['risk', 'explain', '--as', 'alice@example.com', 'demo-db', '--incident'], '--incident needs an incident key'],
    [['risk', 'calibrate', '--from'], '--from needs a history directory or audit JSONL file'],
    [['risk', 'calibrate', '--since'], '--since needs a duration or a date'],
    [['risk', 'calibrate', '--until'], '--until needs a time'],
    [['risk', 'calibrate', '--policy'], '--policy needs a policy file or "sample"'],
    [['risk', 'calibrate', '--write'], '--write needs a file name, e.g. --write policy-patch.yaml'],
    [['risk', 'calibrate', '--max-review-share'], '--max-review-share needs a share between 0 and 1'],
    [['risk', 'approvers', '--since'], '--since needs a duration, e.g. --since 7d'],
    [['risk', 'approvers', '--from'], '--from needs a history directory'],
    [['risk', 'review', '--incident'], '--incident needs an incident key'],
    [['risk', 'simulate', '--out'], '--out needs a directory'],
    [['risk', 'simulate', '--out', 'hist', '--seed'], '--seed needs a seed'],
    [['risk', 'simulate', '--out', 'hist', '--start'], '--start needs a date'],
    [['risk', 'evaluate', '--seed'], '--seed needs a seed'],
    [['risk', 'evaluate', '--seed', '1', '--holdout'], '--holdout needs a duration or 0'],
    [['risk', 'evaluate', '--generators'], '--generators needs a comma-separated list'],
    [['risk', 'evaluate', '--html'], '--html needs a file name'],
    [['policy', 'replay', 'candidate.yaml', '--since'], '--since needs a duration, e.g. --since 30d'],
    [['audit', 'verify', '--checkpoints'], '--checkpoints needs a checkpoint file'],
    [['audit', 'export', '--format'], '--format needs jsonl or csv'],
    [['audit', 'export', '--since'], '--since needs a date'],
    [['audit', 'export', '--output'], '--output needs a file name'],
    [['reconcile', '--dry-run', '--resource'], '--resource needs a resource name'],
    [['inventory', '--resource'], '--resource needs a resource name'],
    [['grants', 'retry', 'KC-1', '--as'], '--as needs the e-mail address of an approver or reviewer'],
  ])('keycard %j is refused with exit 2 and does nothing', async (args, message) => {
    const result = await run(args);
    expect(result.err).toContain(`: ${message}`);
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.touched).toEqual([]);
  });

  it('refuses a value given to a switch', async () => {
    const result = await run(['risk', 'explain', '--as', 'alice@example.com', 'demo-db', '--json=no']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('--json takes no value (got "--json=no")');
  });

  it('still reads a switch followed by a positional as a switch', async () => {
    // --env takes no value: bad.yaml is the file to check, not the value of --env.
    const result = await run(['policy', 'check', '--env', 'bad.yaml'], (cwd) => writeFileSync(join(cwd, 'bad.yaml'), 'tiers: 3\n'));
    expect(result.code).toBe(1);
    expect(result.err).toContain('bad.yaml');
    const explained = await run(['risk', 'explain', '--as', 'alice@example.com', '--json', 'demo-db', '--break-glass']);
    expect(explained.code, explained.err).toBe(0);
    expect(JSON.parse(explained.out)).toMatchObject({ resource: 'demo-db' });
  });

  it('fails loudly when a command declares a switch the parser would read as taking a value', () => {
    const args = parseArgs(['--frob', 'x']);
    expect(() => checkFlags(args, { frob: SWITCH }, 'usage', 0)).toThrow(/--frob is a switch here but not in SWITCHES/);
  });
});
