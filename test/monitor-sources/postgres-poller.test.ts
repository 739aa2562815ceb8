import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { ProviderRevokeInput } from '../../src/core/ports/provider.js';
import { pollPostgresOnce, startPostgresPoller } from '../../src/monitor/index.js';
import type { PgSessionActivity } from '../../src/monitor/pg-session-events.js';
import { SEEN_NAMESPACE } from '../../src/monitor/postgres-poll.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { createScriptedProvider } from '../helpers/scripted-provider.js';

const policy = makePolicy({
  resources: {
    ...basePolicyInput.resources,
    'orders-db': {
      provider: 'postgres',
      sensitivity: 'medium',
      connection: 'env:ORDERS_DB_URL',
      levels: { read: { role: 'orders_ro' }, write: { role: 'orders_rw' } },
      minDuration: '10s',
      maxDuration: '4h',
    },
  },
});

/** A postgres-kind provider whose `activity` answers from a map the test fills (pg_stat_activity rows). */
function createFakePostgres() {
  const inner = createScriptedProvider('postgres');
  const sessions = new Map<string, PgSessionActivity[]>();
  const calls: string[] = [];
  const failing = new Set<string>();
  let gate: Promise<void> | undefined;
  let concurrent = 0;
  let maxConcurrent = 0;
  return Object.assign(inner, {
    sessions,
    calls,
    failing,
    stats: () => ({ maxConcurrent }),
    hold() {
      let release = () => {};
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
    async activity(input: ProviderRevokeInput): Promise<PgSessionActivity[]> {
      calls.push(input.grantId);
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      try {
        if (gate) await gate;
        if (failing.has(input.grantId)) throw new Error(`connect ECONNREFUSED for ${input.grantId}`);
        return sessions.get(input.grantId) ?? [];
      } finally {
        concurrent -= 1;
      }
    },
  });
}

const session = (pid: number, query: string, at: Date, over: Partial<PgSessionActivity> = {}): PgSessionActivity => ({
  pid,
  clientAddr: '10.0.0.7',
  state: 'active',
  query,
  queryStart: at,
  backendStart: new Date(at.getTime() - 60_000),
  ...over,
});

describe('Postgres session poller', () => {
  let h: Harness;
  let pg: ReturnType<typeof createFakePostgres>;
  afterEach(async () => h?.close());
  const run = (actor: string, text: string) => handleCommand(h.deps, { actor, text, origin: { platform: 'console' } });
  const activityOf = async (n: number) => h.deps.store.listActivity((await h.deps.store.getRequestByNumber(n))!.id, 50);
  const anomalies = () => h.chat.events.filter((e) => e.type === 'anomaly');

  async function start() {
    pg = createFakePostgres();
    h = await createHarness('pglite', { policy, providers: { postgres: pg } });
    h.deps.resolveSecret = (ref) => (ref === 'env:ORDERS_DB_URL' ? 'postgres://admin@db.internal/orders' : undefined);
    await run('alice@example.com', '/access orders-db 30m write fix stuck order INC-42');
    await run('erin@example.com', '/access orders-db 30m read check the backlog');
    for (const n of [1, 2]) {
      const grant = await h.deps.store.getRequestByNumber(n);
      if (grant?.status === 'pending') await run('bob@example.com', `approve KC-${n}`);
      if ((await h.deps.store.getRequestByNumber(n))?.status === 'pending') await run('carol@example.com', `approve KC-${n}`);
      expect((await h.deps.store.getRequestByNumber(n))?.status).toBe('active');
    }
  }

  it('reports each statement once, with the session’s address and query_start, and a new statement on the same session', async () => {
    await start();
    const t0 = new Date(h.clock.now().getTime() + 1_000);
    pg.sessions.set('KC-1', [session(4242, 'TRUNCATE orders', t0)]);
    expect(await pollPostgresOnce(h.deps)).toMatchObject({ grants: 2, sessions: 1, reported: 1, failed: 0 });
    expect(await pollPostgresOnce(h.deps)).toMatchObject({ reported: 0 });
    const stored = await activityOf(1);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      source: 'pg-poller',
      statement: 'TRUNCATE orders',
      sourceAddress: '10.0.0.7',
      at: t0,
      resource: 'orders-db',
      details: { pid: 4242, state: 'active' },
    });
    expect(anomalies().some((e) => e.type === 'anomaly' && e.to === 'alice@example.com' && e.alert.detector === 'destructive-sql')).toBe(
      true,
    );

    // Idle now, showing the same last statement: not reported again. Then a new statement.
    pg.sessions.set('KC-1', [session(4242, 'TRUNCATE orders', t0, { state: 'idle' })]);
    expect(await pollPostgresOnce(h.deps)).toMatchObject({ reported: 0 });
    pg.sessions.set('KC-1', [session(4242, 'SELECT count(*) FROM orders', new Date(t0.getTime() + 5_000))]);
    expect(await pollPostgresOnce(h.deps)).toMatchObject({ reported: 1 });
    expect(await activityOf(1)).toHaveLength(2);
  });

  it('skips sessions without a visible statement and forgets sessions that are gone', async () => {
    await start();
    const t0 = new Date(h.clock.now().getTime() + 1_000);
    pg.sessions.set('KC-1', [
      session(1, '', t0),
      session(2, '<insufficient privilege>', t0),
      session(3, 'SELECT 1', t0, { queryStart: null }),
      session(4, 'SELECT 2', t0),
    ]);
    expect(await pollPostgresOnce(h.deps)).toMatchObject({ reported: 1, hidden: 1 });
    expect((await h.deps.store.state.list(SEEN_NAMESPACE)).length).toBe(1);
    pg.sessions.set('KC-1', []);
    await pollPostgresOnce(h.deps);
    expect(await h.deps.store.state.list(SEEN_NAMESPACE)).toEqual([]);
  });

  it('reports a session still connected after its grant ended, once, as use after expiry', async () => {
    await start();
    const t0 = new Date(h.clock.now().getTime() + 1_000);
    pg.sessions.set('KC-2', [session(77, 'SELECT * FROM orders', t0, { state: 'idle' })]);
    await pollPostgresOnce(h.deps);
    h.clock.advance(5_000);
    await run('erin@example.com', 'release KC-2');
    expect((await h.deps.store.getRequestByNumber(2))?.status).not.toBe('active');
    h.clock.advance(5_000);
    h.chat.clear();
    expect(await pollPostgresOnce(h.deps)).toMatchObject({ reported: 1 });
    expect(await pollPostgresOnce(h.deps)).toMatchObject({ reported: 0 });
    const late = (await activityOf(2)).find((a) => a.details?.sessionAliveAfterEnd === true);
    expect(late).toMatchObject({ at: h.clock.now(), details: { pid: 77 } });
    expect(anomalies().some((e) => e.type === 'anomaly' && e.alert.detector === 'outside-window' && e.alert.severity === 'critical')).toBe(
      true,
    );
  });

  it('goes on with the other grants when one cannot be polled', async () => {
    await start();
    pg.failing.add('KC-1');
    pg.sessions.set('KC-2', [session(9, 'SELECT 1', new Date(h.clock.now().getTime() + 1_000))]);
    const failed: string[] = [];
    const summary = await pollPostgresOnce(h.deps, { onGrantError: (g, message) => failed.push(`KC-${g.number}: ${message}`) });
    expect(summary).toMatchObject({ grants: 2, failed: 1, reported: 1 });
    expect(failed).toEqual(['KC-1: connect ECONNREFUSED for KC-1']);
    expect(await activityOf(2)).toHaveLength(1);
  });

  it('never overlaps itself, and stop() waits for the pass in flight', async () => {
    await start();
    const release = pg.hold();
    const passes: number[] = [];
    const poller = startPostgresPoller({ deps: h.deps, intervalMs: 5, lease: false, onPass: (s) => passes.push(s.grants) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pg.stats().maxConcurrent).toBe(1);
    let stopped = false;
    const stopping = poller.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(passes).toEqual([2]);
    const calls = pg.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pg.calls.length).toBe(calls);
  });

  it('polls on one replica at a time (lease), and the other takes over after stop()', async () => {
    await start();
    const counts = { a: 0, b: 0 };
    const a = startPostgresPoller({ deps: h.deps, intervalMs: 10, lease: { holder: 'a' }, onPass: () => (counts.a += 1) });
    await new Promise((resolve) => setTimeout(resolve, 60));
    const b = startPostgresPoller({ deps: h.deps, intervalMs: 10, lease: { holder: 'b' }, onPass: () => (counts.b += 1) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(counts.a).toBeGreaterThan(0);
    expect(counts.b).toBe(0);
    await a.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(counts.b).toBeGreaterThan(0);
    await b.stop();
  });
});
