import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { freshPostgresDatabase } from '../helpers/db.js';
import { keycardLauncher } from './keycard-process.js';
import { replicaEnv, SEEDED_GRANT_TIERS } from './seeded-grant-policy.js';
import { type ServedProcess, sleep, spawnServed } from './serve-process.js';
import { startSlackStub } from './slack-wire.js';
import { type BenchRow, percentile } from './stats.js';

export interface RealClockOptions {
  replicas: number;
  active: number;
  /** How many of the active grants expire within `windowMs` from the start (evenly spread). */
  due: number;
  windowMs: number;
  /** How long the demo target takes to confirm a revoke (the demo provider's revokeLatencyMs). */
  revokeLatencyMs: number;
  /** Node flags for the replica processes (e.g. --cpu-prof, to see where a replica's time goes). */
  nodeArgs?: string[];
}

const policyYaml = (latencyMs: number) => `timezone: UTC
resources:
  demo-db:
    provider: demo
    sensitivity: medium
    config: { revokeLatencyMs: ${latencyMs} }
    levels: { read: {} }
    maxDuration: 4h
${SEEDED_GRANT_TIERS}`;

const INSERT_GRANTS = `insert into access_requests (number, kind, requester, resource, level, duration_ms, reason, status, score, tier,
    factors, approvals_required, approver_groups, distinct_groups, created_at, updated_at, activated_at, expires_at,
    provider, grant_ref, notices_sent, origin, break_glass, attempts, review_required)
  select g, 'access', 'user' || g || '@example.com', 'demo-db', 'read', 3600000, 'seeded', 'active', 20, 'medium',
    '[]'::jsonb, 1, '["sre"]'::jsonb, false, now(), now(), now(), to_timestamp(($3::float8 + (g - $1) * $4::float8) / 1000),
    'demo', jsonb_build_object('username', 'kc_demo_kc_' || g), '[]'::jsonb, '{"platform":"console"}'::jsonb, false, 0, false
  from generate_series($1::int, $2::int) g`;

/** The demo target's record of grants first..last, so reconciliation finds them live. */
const INSERT_TARGET_RECORDS = `insert into kv_state (namespace, key, value, updated_at)
  select 'provider:demo', 'KC-' || r.number,
    jsonb_build_object('grantId', 'KC-' || r.number, 'resource', r.resource, 'level', r.level, 'requester', r.requester,
      'username', 'kc_demo_kc_' || r.number, 'expiresAt', to_char(r.expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
    now()
  from access_requests r where r.number between $1 and $2`;

/**
 * Active grants in bulk, numbered 1..active: the ones that stay (due+1..active, expiring two hours out)
 * first, then grant n ≤ due expiring at start + (n − 1)·windowMs/due, with `start` taken only then, so a
 * slow seed never makes the first expiries overdue before the measurement begins. Returns `start`.
 */
async function seed(client: pg.Client, options: RealClockOptions): Promise<number> {
  if (options.active > options.due) {
    await client.query(INSERT_GRANTS, [options.due + 1, options.active, Date.now() + 7_200_000, 0]);
    await client.query(INSERT_TARGET_RECORDS, [options.due + 1, options.active]);
  }
  // Expiries start a few seconds out, so every replica has armed its timers before the first is due.
  const start = Date.now() + 8_000;
  await client.query(INSERT_GRANTS, [1, options.due, start, options.windowMs / options.due]);
  await client.query(INSERT_TARGET_RECORDS, [1, options.due]);
  await client.query(`select setval('request_number_seq', $1::int)`, [options.active]);
  await client.query('analyze access_requests');
  await client.query('analyze kv_state');
  return start;
}

/**
 * Issue row 6 on a real clock: `keycard start` replica processes (compiled, as deployed) on one real
 * Postgres database, each with its own scheduler (precise timers, per-second pass, SKIP LOCKED claims),
 * grants with real expiry timestamps and the demo target taking `revokeLatencyMs` to confirm each revoke.
 * Lag = when Keycard recorded the target's confirmation − the grant's expiry, both wall clock.
 */
export async function benchRevocationRealClock(options: RealClockOptions): Promise<BenchRow> {
  const database = await freshPostgresDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'kc-revoke-bench-'));
  const replicas: ServedProcess[] = [];
  const client = new pg.Client({ connectionString: database.url });
  // Served as production is: Slack configured (against a local Web API stub), not the console.
  const stub = await startSlackStub();
  try {
    const policy = join(dir, 'keycard.yaml');
    writeFileSync(policy, policyYaml(options.revokeLatencyMs));
    const env = replicaEnv(database.url, policy, stub.apiUrl);
    // One after another: the first migrates the empty database, the others start on it (a deploy's rollout).
    const args = [...(options.nodeArgs ?? []), ...keycardLauncher().args];
    for (let i = 0; i < options.replicas; i += 1) replicas.push(await spawnServed(args, env, dir, 120_000));
    await client.connect();
    const seeded = performance.now();
    const start = await seed(client, options);
    const seedSeconds = (performance.now() - seeded) / 1000;
    const end = start + options.windowMs;
    const ended = async () =>
      (
        await client.query<{ n: number }>(`select count(*)::int n from access_requests where number <= $1 and ended_at is not null`, [
          options.due,
        ])
      ).rows[0]!.n;
    while (Date.now() < end + 2_000 || ((await ended()) < options.due && Date.now() < end + 30_000)) await sleep(500);
    const rows = await client.query<{ lag: number | null }>(
      `select extract(epoch from (ended_at - expires_at)) * 1000 as lag from access_requests where number <= $1`,
      [options.due],
    );
    const early = await client.query<{ n: number; statuses: string | null }>(
      `select count(*)::int n, string_agg(distinct status, ', ') statuses from access_requests where number > $1 and status <> 'active'`,
      [options.due],
    );
    const duplicates = await client.query<{ n: number }>(
      `select count(*)::int n from (select request_id from audit_events where action = 'grant.revoking' group by request_id having count(*) > 1) d`,
    );
    // Where the lag goes: expiry → claimed (the grant.revoking event's time) and claimed → target confirmed.
    const phases = await client.query<{ claim: number; revoke: number | null }>(
      `select extract(epoch from (e.at - r.expires_at)) * 1000 as claim, extract(epoch from (r.ended_at - e.at)) * 1000 as revoke
         from access_requests r join audit_events e on e.request_id = r.id and e.action = 'grant.revoking' where r.number <= $1`,
      [options.due],
    );
    const claimLags = phases.rows.map((r) => Number(r.claim));
    const revokeTimes = phases.rows.flatMap((r) => (r.revoke === null ? [] : [Number(r.revoke)]));
    const lags = rows.rows.flatMap((r) => (r.lag === null ? [] : [Number(r.lag)]));
    const misses = rows.rows.length - lags.length;
    const ms = (p: number) => `${percentile(lags, p).toFixed(0)} ms`;
    return {
      benchmark: `revocation lag, real clock, ${options.replicas} replica process(es)`,
      goal: '≤ 250 ms p99, 0 duplicates, 0 missed',
      result: `p99 ${ms(99)}`,
      detail: `p50 ${ms(50)} · p95 ${ms(95)} · max ${lags.length ? Math.max(...lags).toFixed(0) : 'n/a'} ms (expiry → claimed p50 ${percentile(claimLags, 50).toFixed(0)} / p99 ${percentile(claimLags, 99).toFixed(0)} ms, claimed → confirmed p50 ${percentile(revokeTimes, 50).toFixed(0)} / p99 ${percentile(revokeTimes, 99).toFixed(0)} ms); ${options.due.toLocaleString('en-US')} of ${options.active.toLocaleString('en-US')} active expiring within ${options.windowMs / 1000} s; duplicates ${duplicates.rows[0]?.n ?? 0}, missed ${misses}, revoked early ${early.rows[0]?.n ?? 0}${early.rows[0]?.statuses ? ` (${early.rows[0].statuses})` : ''}; demo target revoke latency ${options.revokeLatencyMs} ms; each replica a \`keycard start\` process (compiled) on one Postgres database (seeded in ${seedSeconds.toFixed(1)} s)`,
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    await client.end().catch(() => undefined);
    await database.dispose();
    await stub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
