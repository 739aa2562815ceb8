import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/ports/runtime.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { openDatabase } from '../../src/store/database.js';
import { runMigrations } from '../../src/store/migrations.js';
import { redactUrl } from '../../src/store/redact-url.js';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (...args: unknown[]) => {
    lines.push(JSON.stringify(args));
  };
  return { lines, debug: record, info: record, warn: record, error: record };
}

/** A pid that certainly belonged to a process which has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('PGlite data folder lock', () => {
  const root = mkdtempSync(join(tmpdir(), 'keycard-data-'));
  const dataDir = join(root, 'nested', 'data');
  const lockPath = join(dataDir, 'keycard.lock');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // The zero-setup first run: initdb into a new folder takes seconds, and much longer on a busy machine.
  it('creates the folder, holds the lock while open, refuses a second open, and releases on close', { timeout: 120_000 }, async () => {
    const first = await openDatabase({ dataDir, log: silentLogger });
    try {
      expect(readFileSync(lockPath, 'utf8').trim()).toBe(String(process.pid));
      await expect(openDatabase({ dataDir, log: silentLogger })).rejects.toThrow(
        `another Keycard process (pid ${process.pid}) is using ${dataDir}; stop it or set KEYCARD_DATA_DIR`,
      );
      await runMigrations(first);
    } finally {
      await first.close();
    }
    expect(() => readFileSync(lockPath)).toThrow(/ENOENT/);
  });

  it('refuses a folder locked by another live process', async () => {
    const parentPid = process.ppid;
    writeFileSync(lockPath, `${parentPid}\n`);
    try {
      await expect(openDatabase({ dataDir, log: silentLogger })).rejects.toMatchObject({
        code: 'data_dir_locked',
        message: expect.stringContaining(`pid ${parentPid}`),
      });
    } finally {
      rmSync(lockPath);
    }
  });

  it('takes over a stale lock whose process is gone, and keeps the data', async () => {
    const stale = deadPid();
    writeFileSync(lockPath, `${stale}\n`);
    const log = recordingLogger();
    const reopened = await openDatabase({ dataDir, log });
    try {
      expect(readFileSync(lockPath, 'utf8').trim()).toBe(String(process.pid));
      expect(log.lines.join('\n')).toContain('taking over a stale data folder lock');
      expect(reopened.driver).toBe('pglite');
      if (reopened.driver !== 'pglite') return;
      const tables = await reopened.client.query<{ n: number }>(
        `select count(*)::int as n from information_schema.tables where table_name = 'kv_state'`,
      );
      expect(tables.rows[0]?.n).toBe(1);
    } finally {
      await reopened.close();
    }
  });
});

describe('credentials in database URLs', () => {
  it('strips user, password and secret parameters', () => {
    expect(redactUrl('postgres://keycard:hunter2@db.internal:5432/keycard?sslmode=require&password=x')).toBe(
      'postgres://db.internal:5432/keycard?sslmode=require&password=redacted',
    );
    // Unparseable (bad port, unescaped @ in the password): still no password.
    expect(redactUrl('postgres://keycard:p@ss@db:port/keycard')).toBe('postgres://db:port/keycard');
  });

  it('never puts the password into the error or the log when the server is unreachable', async () => {
    const log = recordingLogger();
    const error: unknown = await openDatabase({ url: 'postgres://keycard:hunter2@localhost:1/keycard', dataDir: 'unused', log }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'database_unreachable', message: expect.stringContaining('postgres://localhost:1/keycard') });
    expect(String(error instanceof Error ? `${error.message} ${error.stack}` : error)).not.toContain('hunter2');
    expect(log.lines.join('\n')).not.toContain('hunter2');
  });
});
