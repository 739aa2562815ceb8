import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackAdapter } from '../../src/chat/slack/index.js';
import type { CliIo } from '../../src/cli/io.js';
import { runServer, type ServerHandle } from '../../src/cli/run-server.js';
import { installFakeSlack } from '../chat/slack/helpers/fake-slack.js';
import { blockAction, slashCommand } from '../chat/slack/helpers/payloads.js';
import { U } from '../chat/slack/helpers/slack-fixture.js';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';
import { signedHeaders } from '../monitor-sources/serve-routes.js';

const SIGNING_SECRET = 'aaaabbbbccccddddeeeeffff00001111';
const ACTIVITY_SECRET = 'test-activity-secret-0123456789abcdef';

function slackHeaders(body: string, ts: number, extra: Record<string, string> = {}): Record<string, string> {
  const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-signature': signature,
    'x-slack-request-timestamp': String(ts),
    ...extra,
  };
}

/**
 * Two Keycard servers (each its own boot, pool and HTTP port) on ONE real Postgres database, as two
 * replicas behind a load balancer: every replay goes to both, and to a restarted one.
 */
describe.skipIf(!hasTestPostgres())('exactly once across two replicas and a restart (real Postgres)', () => {
  let database: { url: string; dispose(): Promise<void> };
  const servers: ServerHandle[] = [];
  let sql: pg.Client;
  const cwd = mkdtempSync(join(tmpdir(), 'kc-once-'));

  const start = async (): Promise<ServerHandle> => {
    const io: CliIo = {
      out: () => {},
      err: () => {},
      env: {
        DATABASE_URL: database.url,
        PORT: '0',
        KEYCARD_METRICS_PORT: 'off',
        LOG_LEVEL: 'silent',
        KEYCARD_ACTIVITY_SECRET: ACTIVITY_SECRET,
        KEYCARD_AUDIT_KEY: 'an-audit-key-for-two-replicas-0123456789',
        KEYCARD_AUDIT_CHECKPOINT_FILE: join(cwd, 'checkpoints.jsonl'),
      },
      cwd,
      stdin: process.stdin,
      stdoutIsTTY: false,
    };
    const adapter = createSlackAdapter({ botToken: 'xoxb-test', signingSecret: SIGNING_SECRET, socketMode: false });
    const server = await runServer(io, [adapter], { handleSignals: false, shutdownGraceMs: 2_000 });
    servers.push(server);
    return server;
  };
  const both = () => servers.filter((s) => !stopped.has(s));
  const stopped = new Set<ServerHandle>();
  const postTo = (server: ServerHandle, path: string, body: string, headers: Record<string, string>) =>
    fetch(`http://127.0.0.1:${server.port}${path}`, { method: 'POST', body, headers });
  const count = async (query: string) => Number((await sql.query(query)).rows[0].n);

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1/);
    installFakeSlack(Object.values(U), { joined: ['#keycard-approvals'] });
    database = await freshPostgresDatabase();
    await start();
    await start();
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
  }, 120_000);
  afterAll(async () => {
    for (const server of servers) if (!stopped.has(server)) await server.shutdown('test over');
    await sql?.end();
    await database?.dispose();
    nock.cleanAll();
  });

  it('a slash command replayed to both replicas creates one request and one audit record', async () => {
    const body = slashCommand(U.alice.id, 'demo-db 15m read checking replication lag INC-42');
    const headers = slackHeaders(body, Math.floor(Date.now() / 1000));
    const answers = await Promise.all(
      both().flatMap((s) => [postTo(s, '/slack/events', body, headers), postTo(s, '/slack/events', body, headers)]),
    );
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    await expect.poll(() => count('select count(*) as n from access_requests'), { timeout: 15_000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await count('select count(*) as n from access_requests')).toBe(1);
    expect(await count(`select count(*) as n from audit_events where action = 'request.submitted'`)).toBe(1);
  });

  it('an approval click replayed to both replicas, and Slack retries of it, record one approval', async () => {
    // carol (db-owners) approves medium and high: the request's tier depends on the time of day (off-hours).
    const body = blockAction(U.carol.id, 'kc_approve', '1', { channel: 'C0MEDIUM', ts: '1700000000.000100' });
    const ts = Math.floor(Date.now() / 1000);
    const first = await Promise.all(both().map((s) => postTo(s, '/slack/events', body, slackHeaders(body, ts))));
    // A retry is signed again (a new timestamp) but must still have no second effect, and is still acked.
    const retry = await postTo(
      both()[1]!,
      '/slack/events',
      body,
      slackHeaders(body, ts + 1, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }),
    );
    expect([...first.map((r) => r.status), retry.status]).toEqual([200, 200, 200]);
    await expect.poll(() => count('select count(*) as n from approvals'), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await count('select count(*) as n from approvals')).toBe(1);
    expect(await count(`select count(*) as n from audit_events where action = 'approval.recorded'`)).toBe(1);
  });

  it('an /activity event replayed to both replicas, and after a restart, is stored once', async () => {
    const body = JSON.stringify({ events: [{ id: 'evt-1', at: new Date().toISOString(), grant: 'KC-1', statement: 'SELECT 1' }] });
    const headers = signedHeaders(body, Math.floor(Date.now() / 1000), ACTIVITY_SECRET);
    const answers = await Promise.all(both().map((s) => postTo(s, '/activity', body, headers)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 202]);
    expect(await count('select count(*) as n from activity_events')).toBe(1);

    // Restart one replica (graceful stop, a fresh boot on the same database) and replay to it: still one.
    const old = both()[0]!;
    await old.shutdown('restart');
    stopped.add(old);
    const restarted = await start();
    const again = await postTo(restarted, '/activity', body, headers);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ recorded: 0, duplicates: 1 });
    expect(await count('select count(*) as n from activity_events')).toBe(1);
  });

  it('the slash command replayed to the restarted replica still has no second effect', async () => {
    const body = slashCommand(U.erin.id, 'demo-logs 15m read tail the nightly logs OPS-12');
    const headers = slackHeaders(body, Math.floor(Date.now() / 1000));
    const [first] = both();
    expect((await postTo(first!, '/slack/events', body, headers)).status).toBe(200);
    await expect.poll(() => count('select count(*) as n from access_requests'), { timeout: 15_000 }).toBe(2);
    for (const server of both()) expect((await postTo(server, '/slack/events', body, headers)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await count('select count(*) as n from access_requests')).toBe(2);
  });

  it('a correctly signed request from another workspace is refused, and its replay to the other replica is not audited again', async () => {
    const body = slashCommand(U.alice.id, 'demo-db 15m read from elsewhere INC-9').replace('team_id=T1', 'team_id=T9');
    const ts = Math.floor(Date.now() / 1000);
    const [a, b] = both();
    expect((await postTo(a!, '/slack/events', body, slackHeaders(body, ts))).status).toBe(403);
    expect((await postTo(b!, '/slack/events', body, slackHeaders(body, ts))).status).toBe(200);
    expect(await count('select count(*) as n from access_requests')).toBe(2);
    expect(
      await count(`select count(*) as n from audit_events where action = 'identify.refused' and details->>'code' = 'wrong_workspace'`),
    ).toBe(1);
  });
});
