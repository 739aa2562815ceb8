import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/keycard.js';

const root = join(import.meta.dirname, '../..');

async function run(args: string[]) {
  const cwd = mkdtempSync(join(tmpdir(), 'kc-read-only-'));
  const dataDir = join(cwd, 'data');
  const lines: string[] = [];
  const io: CliIo = {
    out: (t) => lines.push(t),
    err: (t) => lines.push(t),
    env: { KEYCARD_POLICY: join(root, 'manifests/policy.example.yaml'), KEYCARD_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    cwd,
    stdin: process.stdin,
    stdoutIsTTY: false,
  };
  const code = await runCli(args, io);
  return { code, text: lines.join('\n'), created: existsSync(join(dataDir, 'PG_VERSION')) };
}

/**
 * Commands that only read answer from an embedded data directory that does not exist yet without creating
 * one (issue #17: one-shot commands open only what they need, never the whole server).
 */
describe('read-only commands on a fresh embedded data directory', () => {
  it.each([
    [['risk', 'explain', '--as', 'alice@example.com', 'demo-db', '30m', 'write'], /demo-db/],
    [['audit', 'verify'], /nothing to verify/],
    [['inventory'], /demo-db: 0 standing principals/],
    [['reconcile', '--dry-run'], /No drift/],
  ])('keycard %j answers and creates no database', async (args, expected) => {
    const result = await run(args);
    expect(result.text).toMatch(expected);
    expect(result.code).toBe(0);
    expect(result.created).toBe(false);
  });
});
