import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFlags, parseArgs, SWITCH, UsageError } from '../../src/cli/args.js';
import { runCliIn } from '../helpers/run-cli.js';

const run = (args: string[]) => runCliIn(args, { prefix: 'kc-repeated-' });

/** A value flag given twice was read as its last value, the first dropped in silence (risk simulate --out A --out B wrote B). */
describe('a value flag given more than once', () => {
  it('is a usage error naming both values, before the command does anything', async () => {
    const result = await run(['risk', 'simulate', '--out', 'A', '--out', 'B', '--policy', 'sample', '--days', '7']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('keycard risk: --out was given 2 times (--out A, --out B); give it once');
    expect(existsSync(join(result.cwd, 'A')) || existsSync(join(result.cwd, 'B'))).toBe(false);
    expect(result.out).toBe('');
  });

  it.each([
    [['risk', 'explain', '--as', 'a@example.com', '--as', 'b@example.com', 'demo-db'], '--as was given 2 times'],
    [['risk', 'calibrate', '--since=30d', '--since', '90d'], '--since was given 2 times (--since 30d, --since 90d)'],
    [['audit', 'export', '--format', 'csv', '--format', 'jsonl'], '--format was given 2 times'],
    [['inventory', '--resource', 'demo-db', '--resource', 'demo-logs'], '--resource was given 2 times'],
  ])('refuses %j', async (args, message) => {
    const result = await run(args);
    expect(result.err).toContain(message);
    expect(result.code).toBe(2);
  });

  it('records repeats in the parser, and still takes a switch given twice as that switch', () => {
    const args = parseArgs(['--json', '--out', 'A', '--json', '--out=B']);
    expect(args.flags.get('out')).toBe('B');
    expect(args.repeated.get('out')).toEqual(['A', 'B']);
    expect(() => checkFlags(args, { json: SWITCH, out: 'a directory' }, 'usage', 0)).toThrow(UsageError);
    const once = parseArgs(['--json', '--out', 'A', '--json']);
    expect(() => checkFlags(once, { json: SWITCH, out: 'a directory' }, 'usage', 0)).not.toThrow();
  });
});
