import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/keycard.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { type MetricsServer, startMetricsServer } from '../../src/http/metrics-server.js';
import { bootKeycard, StartupError } from '../../src/main.js';
import { seededDataDir } from '../helpers/db.js';

function io(env: Record<string, string | undefined>, cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd, stdin: process.stdin, stdoutIsTTY: false };
  return { io: value, out, err };
}

const example = readFileSync(join(import.meta.dirname, '../../manifests/policy.example.yaml'), 'utf8');
/** The example policy plus a postgres resource whose admin URL comes from the environment. */
const withSecret = example.replace(
  /^resources:\n/m,
  'resources:\n  orders-db:\n    provider: postgres\n    sensitivity: high\n    connection: env:ORDERS_ADMIN_URL\n    levels:\n      read: { role: orders_ro }\n',
);

describe('fail at start, not after an approval', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'kc-failstart-'));
  writeFileSync(join(cwd, 'policy.yaml'), withSecret);
  const baseEnv = { KEYCARD_DATA_DIR: seededDataDir(join(cwd, 'data')), LOG_LEVEL: 'silent', KEYCARD_POLICY: join(cwd, 'policy.yaml') };

  it('policy check --env names each unset variable the policy references; without --env it passes', async () => {
    const plain = io(baseEnv, cwd);
    expect(await runCli(['policy', 'check'], plain.io)).toBe(0);
    const strict = io(baseEnv, cwd);
    expect(await runCli(['policy', 'check', '--env'], strict.io)).toBe(1);
    expect(strict.err.join('\n')).toContain(
      'resources.orders-db.connection needs the environment variable ORDERS_ADMIN_URL, which is not set: set ORDERS_ADMIN_URL',
    );
    const set = io({ ...baseEnv, ORDERS_ADMIN_URL: 'postgres://keycard@db/orders' }, cwd);
    expect(await runCli(['policy', 'check', '--env', '--offline'], set.io)).toBe(0);
  });

  it('policy check --env lists the unset variables alongside schema problems, in one run', async () => {
    const broken = withSecret.replace(
      '    sensitivity: high\n    connection: env:ORDERS_ADMIN_URL',
      '    sensitivity: extreme\n    connection: env:ORDERS_ADMIN_URL',
    );
    expect(broken).not.toBe(withSecret);
    writeFileSync(join(cwd, 'broken.yaml'), broken);
    const run = io(baseEnv, cwd);
    expect(await runCli(['policy', 'check', 'broken.yaml', '--env'], run.io)).toBe(1);
    const text = run.err.join('\n');
    expect(text).toMatch(/sensitivity/);
    expect(text).toContain('1 environment problem(s)');
    expect(text).toContain('resources.orders-db.connection needs the environment variable ORDERS_ADMIN_URL');
  });

  it('keycard start refuses a policy whose env: reference is unset, before opening the database', async () => {
    const error = await bootKeycard({ env: baseEnv, cwd, chat: [], log: undefined, quietByDefault: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as StartupError).lines.join('\n')).toMatch(/needs the environment variable ORDERS_ADMIN_URL/);
  });

  it('refuses a malformed signing secret at start with the fix', async () => {
    const h = io({ ...baseEnv, SLACK_BOT_TOKEN: 'xoxb-0000000000-token', SLACK_SIGNING_SECRET: 'not-the-secret' }, cwd);
    expect(await runCli(['start'], h.io)).toBe(1);
    expect(h.err.join('\n')).toMatch(/SLACK_SIGNING_SECRET must be the app's Signing Secret: 32 hexadecimal characters/);
    expect(h.err.join('\n')).not.toContain('not-the-secret');
  });
});

describe('/metrics on its own listener', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => server?.close());
  const render = async () => ({ contentType: 'text/plain; version=0.0.4', body: 'keycard_up 1\n' });

  it('binds loopback and needs the bearer token when one is set', async () => {
    server = await startMetricsServer({ log: silentLogger, host: '127.0.0.1', port: 0, token: 'a-metrics-token-0123', render });
    const url = `http://127.0.0.1:${server.port}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-000000' } })).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: 'Bearer a-metrics-token-0123' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('keycard_up 1\n');
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(404);
  });
});
