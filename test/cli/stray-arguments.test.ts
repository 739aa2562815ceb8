import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFlags, parseArgs, UsageError } from '../../src/cli/args.js';
import { COMMAND_NAMES } from '../../src/cli/keycard.js';
import { runCliIn } from '../helpers/run-cli.js';

const root = join(import.meta.dirname, '../..');

async function run(args: string[], prepare?: (cwd: string) => void) {
  let before: string[] = [];
  const result = await runCliIn(args, {
    prefix: 'kc-stray-',
    prepare: (cwd) => {
      prepare?.(cwd);
      before = readdirSync(cwd);
    },
  });
  return { ...result, touched: readdirSync(result.cwd).filter((f) => !before.includes(f)) };
}

/**
 * Every command line, complete but for one word too many, and the usage line the error shows. An ignored
 * word would be a command run other than the one the operator typed (`risk approvers extra` posted as if
 * clean), so it is a usage error naming the word, as an unknown option is.
 */
const STRAY: Array<[string[], string]> = [
  [['start', 'extra'], 'Usage: keycard start'],
  [['console', 'extra'], 'Usage: keycard start | keycard console'],
  [['migrate', 'extra'], 'Usage: keycard migrate'],
  [['policy', 'check', 'a.yaml', 'extra'], 'keycard policy check [FILE]'],
  [['policy', 'schema', 'extra'], 'keycard policy schema'],
  [['policy', 'replay', 'a.yaml', 'extra'], 'keycard policy replay CANDIDATE.yaml'],
  [['risk', 'explain', '--as', 'alice@example.com', 'demo-db', '30m', 'read', 'extra'], 'keycard risk explain'],
  [['risk', 'calibrate', 'extra'], 'keycard risk calibrate'],
  [['risk', 'simulate', '--out', 'hist', 'extra'], 'keycard risk simulate'],
  [['risk', 'evaluate', 'extra'], 'keycard risk evaluate'],
  [['risk', 'evaluate', '--seed', '1', 'extra'], 'keycard risk evaluate'],
  [['risk', 'approvers', 'extra'], 'keycard risk approvers'],
  [['risk', 'review', '--incident', 'INC-1', 'extra'], 'keycard risk review'],
  [['audit', 'verify', 'extra'], 'keycard audit verify'],
  [['audit', 'export', 'extra'], 'keycard audit export'],
  [['reconcile', 'extra'], 'keycard reconcile'],
  [['reconcile', '--dry-run', 'extra'], 'keycard reconcile'],
  [['inventory', 'extra'], 'keycard inventory'],
  [['grants', 'retry', 'KC-1', '--as', 'alice@example.com', 'extra'], 'keycard grants retry'],
  // After `--` a word is a positional whatever it looks like.
  [['inventory', '--', '--json'], 'keycard inventory'],
];

describe('a positional argument a command does not take', () => {
  it.each(STRAY)('keycard %j is refused with exit 2, naming it, and does nothing', async (args, usage) => {
    const result = await run(args);
    const stray = args[args.length - 1]!;
    expect(result.code, result.err).toBe(2);
    expect(result.err).toContain(`unexpected argument "${stray}"`);
    expect(result.err).toContain(usage);
    expect(result.out).toBe('');
    expect(result.touched).toEqual([]);
  });

  it('covers every command', () => {
    expect(new Set(STRAY.map(([args]) => args[0]))).toEqual(new Set(COMMAND_NAMES));
  });

  it('still takes the positionals a usage names', async () => {
    const valid = 'tiers: 3\n';
    const checked = await run(['policy', 'check', 'bad.yaml'], (cwd) => writeFileSync(join(cwd, 'bad.yaml'), valid));
    expect(checked.code).toBe(1);
    expect(checked.err).toContain('bad.yaml');
    const example = await run(['policy', 'check', join(root, 'manifests/policy.example.yaml'), '--offline']);
    expect(example.code, example.err).toBe(0);
    expect((await run(['policy', 'schema'])).code).toBe(0);
  });

  it('counts the subcommand among the positionals', () => {
    expect(() => checkFlags(parseArgs(['approvers']), {}, 'usage', 1)).not.toThrow();
    expect(() => checkFlags(parseArgs(['approvers', 'extra']), {}, 'usage', 1)).toThrow(UsageError);
    expect(() => checkFlags(parseArgs(['check', 'a.yaml']), {}, 'usage', 2)).not.toThrow();
    expect(() => checkFlags(parseArgs([]), {}, 'usage', 0)).not.toThrow();
  });
});
