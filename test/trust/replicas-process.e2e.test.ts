import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServedProcess } from '../bench/serve-process.js';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';
import { signedHeaders } from '../monitor-sources/serve-routes.js';
import { ACTIVITY_SECRET, eventually, P, SLACK_CHANNELS } from '../scenarios/world.js';
import {
  clickBody,
  FOREIGN_TENANT,
  postTo,
  type ReplicaWorld,
  slackHeaders,
  slashBody,
  startReplicaWorld,
  teamsHeaders,
  teamsMessage,
} from './replica-processes.js';

/** One inbound event as the platform sends it; `headers()` is called per delivery (Teams tokens are minted fresh). */
interface Replay {
  name: string;
  path: string;
  body: string;
  headers(): Record<string, string>;
  /** Statuses a delivery may get: the first delivery's, and a duplicate's. */
  first: number;
  duplicate: number;
}

/**
 * Two `keycard start` OS processes on ONE real Postgres database (same audit key, own data folders and
 * ports), as two replicas behind a load balancer: Slack over HTTP against a fake Slack Web API on a
 * real port, Teams with token-signed activities (tenant pinned) against a Bot Connector on a real port.
 * Every event is delivered to both; then one process is stopped, a new one started, and every event
 * delivered again to it. Each must have had exactly one effect and one audit record.
 */
describe.skipIf(!hasTestPostgres())('exactly once across two Keycard processes and a restart (real Postgres)', { timeout: 120_000 }, () => {
  let database: { url: string; dispose(): Promise<void> };
  let world: ReplicaWorld;
  let sql: pg.Client;
  let a: ServedProcess;
  let b: ServedProcess;
  const replays: Replay[] = [];
  const count = async (query: string, ...params: unknown[]) => Number((await sql.query(query, params)).rows[0].n);
  const audits = (action: string) => count('select count(*) as n from audit_events where action = $1', action);
  const refusals = (code: string) =>
    count(`select count(*) as n from audit_events where action = 'identify.refused' and details->>'code' = $1`, code);
  /** Everything the replays may have produced, to compare before and after the restart. */
  const effects = async () => ({
    requests: await count('select count(*) as n from access_requests'),
    approvals: await count('select count(*) as n from approvals'),
    activity: await count('select count(*) as n from activity_events'),
    // The weekly approver report is due on Monday mornings whatever the replays do (and once across replicas,
    // checked below), so it is not counted as an effect.
    audit: Object.fromEntries(
      (
        await sql.query(`select action, count(*)::int as n from audit_events where action <> 'risk.approver_report' group by action`)
      ).rows.map((r) => [r.action, r.n]),
    ),
  });
  /** Sends one replay to every replica at once; returns the statuses in replica order. */
  const toAll = (replay: Replay, replicas: ServedProcess[]) =>
    Promise.all(replicas.map((r) => postTo(r, replay.path, replay.body, replay.headers())));
  const settle = () => new Promise((resolve) => setTimeout(resolve, 1_000));

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    world = await startReplicaWorld(database.url);
    // The first process migrates; the second starts on the migrated database, as a rolling deploy does.
    a = await world.spawnReplica();
    b = await world.spawnReplica();
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
  }, 240_000);
  afterEach((context) => {
    // The processes' own account of a failure (this file has failed under parallel load with no other trace).
    if (context.task.result?.state === 'fail') console.error(world?.output());
  });
  afterAll(async () => {
    await world?.close();
    await sql?.end();
    await database?.dispose();
  }, 60_000);

  it('a Slack slash command sent twice to each process creates one request and one audit record', async () => {
    const body = slashBody(world.api, P.alice, 'orders-db 30m read checking replication lag INC-42');
    const ts = Math.floor(Date.now() / 1000);
    const replay: Replay = {
      name: 'slash command',
      path: '/slack/events',
      body,
      headers: () => slackHeaders(body, ts),
      first: 200,
      duplicate: 200,
    };
    replays.push(replay);
    const statuses = (await Promise.all([toAll(replay, [a, b]), toAll(replay, [a, b])])).flat();
    expect(statuses).toEqual([200, 200, 200, 200]);
    await eventually(async () => expect(await count('select count(*) as n from access_requests')).toBe(1), 30_000);
    await settle();
    expect(await count('select count(*) as n from access_requests')).toBe(1);
    expect(await audits('request.submitted')).toBe(1);
  });

  it('an approval click sent to both processes, plus a re-signed X-Slack-Retry-Num retry, records one approval', async () => {
    const card = await eventually(() => {
      const call = world.api.calls.find((c) => c.method === 'chat.postMessage' && c.args.channel === SLACK_CHANNELS.approvals);
      if (!call) throw new Error('no approval card yet');
      return { channel: SLACK_CHANNELS.approvals, ts: String((call.result as { ts: string }).ts) };
    }, 30_000);
    const number = String((await sql.query('select number from access_requests')).rows[0].number);
    const body = clickBody(world.api, P.bob, 'kc_approve', number, card);
    const ts = Math.floor(Date.now() / 1000);
    const replay: Replay = {
      name: 'approve click',
      path: '/slack/events',
      body,
      headers: () => slackHeaders(body, ts),
      first: 200,
      duplicate: 200,
    };
    replays.push(replay);
    const statuses = await toAll(replay, [a, b]);
    // Slack retries with a new signature and timestamp: still the same action (its trigger id).
    const retry = await postTo(
      b,
      '/slack/events',
      body,
      slackHeaders(body, ts + 1, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }),
    );
    expect([...statuses, retry]).toEqual([200, 200, 200]);
    await eventually(async () => expect(await audits('approval.recorded')).toBe(1), 30_000);
    await settle();
    expect(await count('select count(*) as n from approvals')).toBe(1);
    expect(await audits('approval.recorded')).toBe(1);
  });

  it('a Teams activity id delivered to both processes has one effect', async () => {
    const body = teamsMessage(world, P.frank, 'teams-activity-1', 'access app-logs 30m read tailing the nightly logs OPS-12');
    const replay: Replay = {
      name: 'teams activity',
      path: '/api/messages',
      body,
      headers: () => teamsHeaders(world),
      first: 200,
      duplicate: 200,
    };
    replays.push(replay);
    expect(await toAll(replay, [a, b])).toEqual([200, 200]);
    const frank = () => count('select count(*) as n from access_requests where requester = $1', P.frank.email);
    await eventually(async () => expect(await frank()).toBe(1), 30_000);
    await settle();
    expect(await frank()).toBe(1);
    expect(await count(`select count(*) as n from audit_events where action = 'request.submitted' and actor like '%frank%'`)).toBe(1);
  });

  it('an /activity event with an id, and one without (its body hash), are stored once each', async () => {
    const number = (await sql.query('select number from access_requests where requester = $1', [P.alice.email])).rows[0].number;
    const at = Math.floor(Date.now() / 1000);
    const withId = JSON.stringify({ id: 'evt-replica-1', at: new Date().toISOString(), grant: `KC-${number}`, statement: 'SELECT 1' });
    const withoutId = JSON.stringify({ at: new Date().toISOString(), grant: `KC-${number}`, statement: 'SELECT 2' });
    for (const [name, body] of [
      ['activity with id', withId],
      ['activity without id', withoutId],
    ] as const) {
      const replay: Replay = {
        name,
        path: '/activity',
        body,
        headers: () => signedHeaders(body, at, ACTIVITY_SECRET),
        first: 202,
        duplicate: 200,
      };
      replays.push(replay);
      expect((await toAll(replay, [a, b])).sort()).toEqual([200, 202]);
    }
    expect(await count(`select count(*) as n from activity_events where event->>'statement' = 'SELECT 1'`)).toBe(1);
    expect(await count(`select count(*) as n from activity_events where event->>'statement' = 'SELECT 2'`)).toBe(1);
  });

  it('a Kubernetes audit event (auditID) delivered to both processes is recorded once', async () => {
    const now = new Date().toISOString();
    const body = JSON.stringify({
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1',
      items: [
        {
          kind: 'Event',
          apiVersion: 'audit.k8s.io/v1',
          level: 'Metadata',
          auditID: '7d1c0c3e-5a2b-4f61-9e0d-replica00001',
          stage: 'ResponseComplete',
          requestURI: '/api/v1/namespaces/orders/pods',
          verb: 'list',
          user: { username: P.alice.email, groups: ['system:authenticated'] },
          sourceIPs: ['10.20.0.15'],
          objectRef: { resource: 'pods', namespace: 'orders', apiVersion: 'v1' },
          responseStatus: { code: 200 },
          requestReceivedTimestamp: now,
          stageTimestamp: now,
        },
      ],
    });
    const headers = () => ({ 'content-type': 'application/json', authorization: `Bearer ${ACTIVITY_SECRET}` });
    const replay: Replay = { name: 'k8s audit event', path: '/activity/k8s-audit/orders-db', body, headers, first: 200, duplicate: 200 };
    replays.push(replay);
    expect(await toAll(replay, [a, b])).toEqual([200, 200]);
    const stored = () => count(`select count(*) as n from activity_events where source = 'k8s-audit'`);
    await eventually(async () => expect(await stored()).toBe(1), 30_000);
    await settle();
    expect(await stored()).toBe(1);
  });

  it('a signed Slack request from another workspace is refused and audited once across both processes', async () => {
    const body = slashBody(world.api, P.alice, 'orders-db 15m read from elsewhere INC-9', 'T9');
    const ts = Math.floor(Date.now() / 1000);
    const before = await count('select count(*) as n from access_requests');
    const replay: Replay = {
      name: 'foreign workspace',
      path: '/slack/events',
      body,
      headers: () => slackHeaders(body, ts),
      first: 403,
      duplicate: 200,
    };
    replays.push(replay);
    expect(await postTo(a, replay.path, body, replay.headers())).toBe(403);
    expect(await postTo(b, replay.path, body, replay.headers())).toBe(200);
    expect(await refusals('wrong_workspace')).toBe(1);
    expect(await count('select count(*) as n from access_requests')).toBe(before);
  });

  it('a signed Teams activity from another tenant is refused and audited once across both processes', async () => {
    const body = teamsMessage(world, P.alice, 'teams-foreign-1', 'access orders-db 15m read from elsewhere INC-9', FOREIGN_TENANT);
    const before = await count('select count(*) as n from access_requests');
    const replay: Replay = {
      name: 'foreign tenant',
      path: '/api/messages',
      body,
      headers: () => teamsHeaders(world),
      first: 403,
      duplicate: 403,
    };
    replays.push(replay);
    expect(await toAll(replay, [a, b])).toEqual([403, 403]);
    expect(await refusals('wrong_tenant')).toBe(1);
    expect(await count('select count(*) as n from access_requests')).toBe(before);
  });

  it('after one process is stopped and a new one started, every replay to it has no effect', async () => {
    // Wait until the earlier tests' work (an activity batch is audited after its rows are stored) has landed:
    // the same effects on two reads a second apart, so a slow machine does not count that work as a replay's.
    let before = await effects();
    for (let stable = false; !stable; ) {
      await settle();
      const now = await effects();
      stable = JSON.stringify(now) === JSON.stringify(before);
      before = now;
    }
    await a.stop();
    // The graceful stop wrote a checkpoint, and its line reached the alerts channel (once for its head).
    const checkpointLines = () =>
      world.api.calls
        .filter((c) => c.method === 'chat.postMessage' && c.args.channel === SLACK_CHANNELS.alerts)
        .map((c) => String(c.args.text))
        .filter((text) => text.startsWith('Audit checkpoint #'));
    expect(checkpointLines()).toHaveLength(1);
    expect(checkpointLines()[0]).toMatch(/^Audit checkpoint #\d+ [0-9a-f]{16} \(key k-[0-9a-f]+\)$/);
    const restarted = await world.spawnReplica();
    const answers: Record<string, number> = {};
    for (const replay of replays) {
      answers[replay.name] = await postTo(restarted, replay.path, replay.body, replay.headers());
      // And once more to the process that kept running.
      await postTo(b, replay.path, replay.body, replay.headers());
    }
    expect(answers).toEqual(Object.fromEntries(replays.map((r) => [r.name, r.duplicate])));
    await settle();
    expect(await effects()).toEqual(before);
    expect(await audits('request.submitted')).toBe(2);
    expect(await audits('approval.recorded')).toBe(1);
    expect(await refusals('wrong_workspace')).toBe(1);
    expect(await refusals('wrong_tenant')).toBe(1);
    expect(await audits('risk.approver_report')).toBeLessThanOrEqual(1);
  });
});
