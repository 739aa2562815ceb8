import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/keycard.js';

const EXAMPLE_POLICY = join(import.meta.dirname, '../../manifests/policy.example.yaml');

/**
 * Runs `keycard ARGS` in a fresh working directory with the example policy and a data directory inside it
 * (created only if the command opens the store); `prepare` can write files there first.
 */
export async function runCliIn(
  args: string[],
  options: { prefix: string; prepare?: (cwd: string) => void },
): Promise<{ code: number; out: string; err: string; cwd: string }> {
  const cwd = mkdtempSync(join(tmpdir(), options.prefix));
  options.prepare?.(cwd);
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { KEYCARD_POLICY: EXAMPLE_POLICY, KEYCARD_DATA_DIR: join(cwd, 'data'), LOG_LEVEL: 'silent' },
    cwd,
    stdin: process.stdin,
    stdoutIsTTY: false,
  };
  const code = await runCli(args, io);
  return { code, out: out.join('\n'), err: err.join('\n'), cwd };
}
