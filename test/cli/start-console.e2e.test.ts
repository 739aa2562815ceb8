import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { seededDataDir } from '../helpers/db.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** `keycard start` as a user runs it: no chat credentials → the console on embedded Postgres, commands piped on stdin. */
function runStart(script: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'node_modules/.bin/tsx'), [join(root, 'src/cli/keycard.ts'), 'start'], {
      cwd: mkdtempSync(join(tmpdir(), 'kc-start-')),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(`${script.join('\n')}\n`);
  });
}

describe('keycard start (console mode, real process)', () => {
  it('runs the README walkthrough and revokes at expiry on its own', async () => {
    const dataDir = seededDataDir(mkdtempSync(join(tmpdir(), 'kc-data-')));
    const { code, stdout, stderr } = await runStart(
      [
        'as alice@example.com',
        '/access demo-db 10s read checking replication lag INC-42',
        // carol (db-owners) can approve it at any hour: medium in working hours, high off-hours and at weekends.
        'as carol@example.com',
        'approve KC-1 looks fine',
        'sleep 13s',
        'as alice@example.com',
        'status KC-1',
      ],
      // An ephemeral /metrics port: the default one is taken when another test file starts Keycard alongside.
      { KEYCARD_DATA_DIR: dataDir, PORT: '0', KEYCARD_METRICS_PORT: '0' },
    );
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    expect(stdout).toContain('Keycard console');
    expect(stdout).toMatch(/-> KC-1 pending · risk \d+ \((medium|high)\)/);
    expect(stdout).toMatch(/-> needs 1 more approval\(s\) from: (sre, db-owners|db-owners)\n/);
    expect(stdout).toMatch(/-> KC-1 active until \d\d:\d\d:\d\d \(10s left\) · credential delivered to alice@example.com/);
    expect(stdout).toMatch(/\[DM → alice@example.com\] KC-1: your access to demo-db ends in \d+s/);
    expect(stdout).toMatch(/\[DM → alice@example.com\] KC-1: expired at/);
    expect(stdout).toMatch(/-> KC-1 expired · risk/);
  }, 60_000);
});
