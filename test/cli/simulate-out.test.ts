import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/keycard.js';

const small = ['--days', '7', '--requests', '200', '--seed', '3', '--policy', 'sample'];

async function simulate(cwd: string, out: string) {
  const lines: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (t) => lines.push(t),
    err: (t) => err.push(t),
    env: { KEYCARD_DATA_DIR: join(cwd, 'data'), LOG_LEVEL: 'silent' },
    cwd,
    stdin: process.stdin,
    stdoutIsTTY: false,
  };
  const code = await runCli(['risk', 'simulate', '--out', out, ...small], io);
  return { code, out: lines.join('\n'), err: err.join('\n') };
}

/** `risk simulate --out` never overwrites: like --database, it writes only where nothing is yet. */
describe('keycard risk simulate --out DIR', () => {
  it('refuses a directory that already holds a history, and changes nothing in it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'kc-simulate-out-'));
    expect((await simulate(cwd, 'hist')).code).toBe(0);
    writeFileSync(join(cwd, 'hist', 'notes.txt'), 'mine\n');
    const audit = readFileSync(join(cwd, 'hist', 'audit.jsonl'), 'utf8');
    const again = await simulate(cwd, 'hist');
    expect(again.code).toBe(2);
    expect(again.err).toContain('--out hist is not empty (5 entries, e.g. audit.jsonl); name a new directory or remove this one first');
    expect(again.out).toBe('');
    expect(readFileSync(join(cwd, 'hist', 'audit.jsonl'), 'utf8')).toBe(audit);
    expect(readdirSync(join(cwd, 'hist')).sort()).toEqual(['audit.jsonl', 'ground-truth.json', 'notes.txt', 'policy.yaml', 'summary.json']);
  });

  it('refuses a file, or a path under one, with a message instead of EEXIST', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'kc-simulate-out-'));
    writeFileSync(join(cwd, 'hostname'), 'box\n');
    const file = await simulate(cwd, 'hostname');
    expect(file.code).toBe(2);
    expect(file.err).toContain('--out hostname is a file; name a new directory for the history');
    expect(file.err).not.toContain('EEXIST');
    const under = await simulate(cwd, 'hostname/hist');
    expect(under.code).toBe(2);
    expect(under.err).toContain(`--out hostname/hist: ${join(cwd, 'hostname')} is a file, so the directory cannot be created under it`);
    expect(readFileSync(join(cwd, 'hostname'), 'utf8')).toBe('box\n');
  });

  it('writes into an empty directory and creates missing parents', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'kc-simulate-out-'));
    mkdirSync(join(cwd, 'empty'));
    expect((await simulate(cwd, 'empty')).code).toBe(0);
    expect(existsSync(join(cwd, 'empty', 'audit.jsonl'))).toBe(true);
    expect((await simulate(cwd, 'a/b/hist')).code).toBe(0);
    expect(existsSync(join(cwd, 'a', 'b', 'hist', 'ground-truth.json'))).toBe(true);
  });
});
