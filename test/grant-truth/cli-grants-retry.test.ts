import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/keycard.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import { bootKeycard } from '../../src/main.js';
import { freshPostgresDatabase, hasTestPostgres, seededDataDir } from '../helpers/db.js';

const root = join(import.meta.dirname, '../..');
const REFUSED = 'postgres://nobody@127.0.0.1:1/none';

function io(env: Record<string, string>, cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd, stdin: process.stdin, stdoutIsTTY: false };
  return { io: value, out, err };
}

/** `keycard grants retry` over a real Postgres target whose admin connection is refused, then restored. */
describe.skipIf(!hasTestPostgres())('keycard grants retry', () => {
  const suffix = randomBytes(3).toString('hex');
  const readRole = `orders_ro_${suffix}`;
  // Roles are server-wide and named after requester and grant id: a requester of its own avoids sharing KC-1's role.
  const requester = `retry${suffix}@example.com`;
  const cwd = mkdtempSync(join(tmpdir(), 'kc-retry-'));
  let target: { url: string; dispose(): Promise<void> };
  let state: { url: string; dispose(): Promise<void> };
  const env = (adminUrl: string) => ({
    DATABASE_URL: state.url,
    PROD_DB_ADMIN_URL: adminUrl,
    LOG_LEVEL: 'silent',
    KEYCARD_DATA_DIR: seededDataDir(join(cwd, 'data')),
  });

  beforeAll(async () => {
    target = await freshPostgresDatabase();
    state = await freshPostgresDatabase();
    const admin = new pg.Client({ connectionString: target.url });
    await admin.connect();
    await admin.query(`create table orders (id int primary key)`);
    await admin.query(`create role ${readRole} nologin`);
    await admin.query(`grant select on orders to ${readRole}`);
    await admin.end();
    const example = readFileSync(join(root, 'manifests/policy.example.yaml'), 'utf8');
    writeFileSync(
      join(cwd, 'keycard.yaml'),
      example.replace(
        /\nresources:\n/,
        `\nresources:\n  prod-db:\n    provider: postgres\n    sensitivity: high\n    connection: env:PROD_DB_ADMIN_URL\n    levels:\n      read: { role: ${readRole} }\n    minDuration: 10s\n    maxDuration: 4h\n`,
      ),
    );
    // Grant with the target up, then release while its admin connection is refused.
    for (const [url, steps] of [
      [
        target.url,
        [
          `${requester}:/access prod-db 15m read fix stuck order INC-4211`,
          'carol@example.com:approve KC-1',
          'bob@example.com:approve KC-1',
          'dave@example.com:approve KC-1',
        ],
      ],
      [REFUSED, [`${requester}:release KC-1`]],
    ] as const) {
      const keycard = await bootKeycard({ env: env(url), cwd, chat: [] });
      try {
        for (const step of steps) {
          const [actor, text] = step.split(/:(.*)/s) as [string, string];
          await handleCommand(keycard.deps, { actor, text, origin: { platform: 'console' } });
        }
      } finally {
        await keycard.close();
      }
    }
  }, 60_000);

  afterAll(async () => {
    await target?.dispose();
    const cleanup = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await cleanup.connect();
    await cleanup.query(`drop role if exists ${readRole}`).catch(() => undefined);
    await cleanup.end();
    await state?.dispose();
  });

  it('refuses someone who may not end the grant, reports a failed attempt, and revokes once the target is back', async () => {
    const usage = io(env(REFUSED), cwd);
    expect(await runCli(['grants', 'retry', 'KC-1'], usage.io)).toBe(2);
    expect(usage.err.join('\n')).toContain('--as EMAIL');

    const outsider = io(env(REFUSED), cwd);
    expect(await runCli(['grants', 'retry', 'KC-1', '--as', requester], outsider.io)).toBe(1);
    expect(outsider.err.join('\n')).toContain('approvers or the security reviewers');

    const stillDown = io(env(REFUSED), cwd);
    expect(await runCli(['grants', 'retry', 'KC-1', '--as', 'dave@example.com'], stillDown.io)).toBe(3);
    expect(stillDown.out.join('\n')).toMatch(/KC-1 is still revoking after attempt 2: .*Keycard keeps retrying/);

    const back = io(env(target.url), cwd);
    expect(await runCli(['grants', 'retry', 'KC-1', '--as', 'dave@example.com'], back.io)).toBe(0);
    expect(back.out.join('\n')).toBe('KC-1 is revoked: the target confirmed the revoke.');
    const roles = new pg.Client({ connectionString: target.url });
    await roles.connect();
    const left = await roles.query(`select 1 from pg_roles where rolname = $1`, [`kc_retry${suffix}_kc_1`]);
    await roles.end();
    expect(left.rows).toEqual([]);
  }, 60_000);
});
