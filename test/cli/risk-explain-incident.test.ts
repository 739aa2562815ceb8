import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/keycard.js';

const root = join(import.meta.dirname, '../..');

async function explain(...extra: string[]) {
  const cwd = mkdtempSync(join(tmpdir(), 'kc-explain-incident-'));
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { KEYCARD_POLICY: join(root, 'manifests/policy.example.yaml'), KEYCARD_DATA_DIR: join(cwd, 'data'), LOG_LEVEL: 'silent' },
    cwd,
    stdin: process.stdin,
    stdoutIsTTY: false,
  };
  const code = await runCli(['risk', 'explain', '--as', 'alice@example.com', 'demo-db', '--json', ...extra], io);
  return { code, out: out.join('\n'), err: err.join('\n'), created: existsSync(join(cwd, 'data', 'PG_VERSION')) };
}

describe('keycard risk explain --incident KEY', () => {
  it.each(['notakey', 'whatever-1', 'INC-'])('refuses %j, which incidents.keyPattern does not match, with exit 2', async (key) => {
    const result = await explain('--incident', key);
    expect(result.err).toContain(`keycard risk: --incident ${key} is not an incident key (incidents.keyPattern: INC-[0-9]+)`);
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.created).toBe(false);
  });

  it('scores a key that matches, upper-cased', async () => {
    const result = await explain('--incident', 'inc-42');
    expect(result.code, result.err).toBe(0);
    expect(JSON.parse(result.out).assessment.factors.map((f: { id: string }) => f.id)).toContain('incident-unverified');
  });
});
