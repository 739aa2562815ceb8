import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleChat } from '../../src/chat/console/console-chat.js';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/keycard.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import { bootKeycard, type Keycard } from '../../src/main.js';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';

const root = join(import.meta.dirname, '../..');

/** The provider issue's "done means", end to end: console → real Postgres role → psql-equivalent client → revoke. */
describe.skipIf(!hasTestPostgres())('console with a real Postgres resource', () => {
  const suffix = randomBytes(3).toString('hex');
  const readRole = `orders_ro_${suffix}`;
  const cwd = mkdtempSync(join(tmpdir(), 'kc-pg-e2e-'));
  const out: string[] = [];
  let target: { url: string; dispose(): Promise<void> };
  let state: { url: string; dispose(): Promise<void> };
  let keycard: Keycard;
  let env: Record<string, string>;

  beforeAll(async () => {
    target = await freshPostgresDatabase();
    state = await freshPostgresDatabase();
    const admin = new pg.Client({ connectionString: target.url });
    await admin.connect();
    await admin.query(`create table orders (id int primary key, item text)`);
    await admin.query(`insert into orders values (1, 'keycard')`);
    await admin.query(`create role ${readRole} nologin`);
    await admin.query(`grant select on orders to ${readRole}`);
    await admin.end();
    const example = readFileSync(join(root, 'manifests/policy.example.yaml'), 'utf8');
    const policy = example.replace(
      /\nresources:\n/,
      `\nresources:\n  prod-db:\n    description: Orders database (real Postgres)\n    provider: postgres\n    sensitivity: high\n    connection: env:PROD_DB_ADMIN_URL\n    levels:\n      read: { role: ${readRole} }\n    minDuration: 10s\n    maxDuration: 4h\n`,
    );
    writeFileSync(join(cwd, 'keycard.yaml'), policy);
    env = { DATABASE_URL: state.url, PROD_DB_ADMIN_URL: target.url, LOG_LEVEL: 'silent', KEYCARD_DATA_DIR: join(cwd, 'data') };
    const clock = { now: () => new Date() };
    keycard = await bootKeycard({
      env,
      cwd,
      chat: [{ platform: 'console', chat: createConsoleChat({ write: (l) => out.push(l), clock }) }],
      clock,
    });
  }, 60_000);

  afterAll(async () => {
    await keycard?.close();
    const admin = new pg.Client({ connectionString: target.url });
    await admin.connect();
    const roles = await admin.query(
      `select rolname from pg_roles where rolname like 'kc\\_%' and shobj_description(oid, 'pg_authid') like '%resource prod-db%'`,
    );
    for (const { rolname } of roles.rows) await admin.query(`drop role if exists ${pg.escapeIdentifier(rolname)}`).catch(() => undefined);
    await admin.query(`drop owned by ${readRole}`).catch(() => undefined);
    await admin.end();
    await target?.dispose();
    const cleanup = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await cleanup.connect();
    await cleanup.query(`drop role if exists ${readRole}`).catch(() => undefined);
    await cleanup.end();
    await state?.dispose();
  });

  it('delivers a working connection string, reads what the level allows and nothing more, and cuts the session on release', async () => {
    const run = (actor: string, text: string) => handleCommand(keycard.deps, { actor, text, origin: { platform: 'console' } });
    await run('alice@example.com', `/access prod-db 15m read fix stuck order INC-4211`);
    const approved = await run('carol@example.com', 'approve KC-1');
    const viaSre = approved.kind === 'error' ? await run('bob@example.com', 'approve KC-1') : approved;
    expect(viaSre).toMatchObject({ kind: 'request', request: { status: 'active' } });
    const line = out.find((l) => l.includes('credential (shown once):'));
    const connectionString = line?.split('credential (shown once): ')[1]?.trim();
    expect(connectionString).toMatch(/^postgres(ql)?:\/\/kc_alice_kc_1:/);

    const session = new pg.Client({ connectionString });
    session.on('error', () => undefined);
    await session.connect();
    expect((await session.query('select item from orders where id = 1')).rows).toEqual([{ item: 'keycard' }]);
    await expect(session.query(`insert into orders values (2, 'nope')`)).rejects.toThrow(/permission denied/);

    expect(await run('alice@example.com', 'release KC-1')).toMatchObject({ request: { status: 'revoked' } });
    await expect(session.query('select 1')).rejects.toThrow();
    const again = new pg.Client({ connectionString });
    await expect(again.connect()).rejects.toThrow();
    await again.end().catch(() => undefined);
  });

  it('keycard reconcile --dry-run reports a role created behind Keycard’s back, and reconcile removes it', async () => {
    const provider = keycard.deps.providers.get('postgres')!;
    const resource = keycard.policy.resources['prod-db']!;
    await provider.grant({
      grantId: 'KC-900',
      requester: 'mallory@example.com',
      resource: 'prod-db',
      level: 'read',
      levelConfig: resource.levels.read as Record<string, unknown>,
      resourceConfig: resource.config,
      connection: target.url,
      expiresAt: new Date(Date.now() + 3_600_000),
      now: new Date(),
    });
    const capture = () => {
      const lines: string[] = [];
      const io: CliIo = { out: (t) => lines.push(t), err: (t) => lines.push(t), env, cwd, stdin: process.stdin, stdoutIsTTY: false };
      return { io, lines };
    };
    await keycard.close();
    const dry = capture();
    expect(await runCli(['reconcile', '--dry-run'], dry.io)).toBe(3);
    // The policy's default (reconcile.unknown: report) only reports; --revoke removes it.
    expect(dry.lines.join('\n')).toMatch(/drift\s+prod-db KC-900 .*unknown · reported/);
    const real = capture();
    expect(await runCli(['reconcile', '--revoke', '--resource', 'prod-db'], real.io)).toBe(3);
    expect(real.lines.join('\n')).toMatch(/drift\s+prod-db KC-900 .* revoked/);
    const after = capture();
    expect(await runCli(['reconcile', '--dry-run', '--resource', 'prod-db'], after.io)).toBe(0);
    expect(after.lines.join('\n')).toContain('No drift.');
    keycard = await bootKeycard({ env, cwd, chat: [] });
  }, 60_000);
});
