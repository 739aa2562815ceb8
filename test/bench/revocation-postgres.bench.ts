import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createPostgresProvider } from '../../src/providers/postgres/index.js';
import { freshPostgresDatabase } from '../helpers/db.js';
import { connectAs, createPgFixture } from '../providers/postgres/pg-fixture.js';
import { keycardLauncher } from './keycard-process.js';
import { replicaEnv, SEEDED_GRANT_TIERS } from './seeded-grant-policy.js';
import { type ServedProcess, sleep, spawnServed } from './serve-process.js';
import { startSlackStub } from './slack-wire.js';
import { type BenchRow, percentile } from './stats.js';

export interface PostgresLoginsOptions {
  replicas: number;
  /** Real login roles at the target, all expiring within `windowMs` (evenly spread). */
  logins: number;
  /** How many of them hold an open session when they expire (each a connection to the one test server). */
  sessions: number;
  windowMs: number;
}

const policyYaml = (resource: string, readRole: string) => `timezone: UTC
resources:
  ${resource}:
    provider: postgres
    sensitivity: medium
    connection: env:ORDERS_PG_ADMIN
    levels: { read: { role: ${readRole} } }
    maxDuration: 4h
${SEEDED_GRANT_TIERS}`;

const INSERT_GRANTS = `insert into access_requests (number, kind, requester, resource, level, duration_ms, reason, status, score, tier,
    factors, approvals_required, approver_groups, distinct_groups, created_at, updated_at, activated_at, expires_at,
    provider, grant_ref, notices_sent, origin, break_glass, attempts, review_required)
  select g.number, 'access', g.requester, $4, 'read', 3600000, 'seeded', 'active', 20, 'medium',
    '[]'::jsonb, 1, '["sre"]'::jsonb, false, now(), now(), now(), to_timestamp(($5::float8 + (g.number - 1) * $6::float8) / 1000),
    'postgres', g.ref, '[]'::jsonb, '{"platform":"console"}'::jsonb, false, 0, false
  from unnest($1::int[], $2::text[], $3::jsonb[]) as g(number, requester, ref)`;

/**
 * Issue 17 item 5's second run: `keycard start` replica processes revoking real Postgres login roles on
 * the test server, some with a live session, as the grants expire on the wall clock. The roles are created
 * by the postgres provider itself (as a grant would; their VALID UNTIL is an hour out, so only Keycard's
 * revoke ends them), then rows for them are inserted as active grants expiring over `windowMs`. Lag = when
 * Keycard recorded the target's confirmation (role dropped, sessions gone, verified) − the grant's expiry.
 */
export async function benchRevocationPostgresLogins(options: PostgresLoginsOptions): Promise<BenchRow> {
  const superUrl = process.env.TEST_DATABASE_URL;
  if (!superUrl) throw new Error('TEST_DATABASE_URL is not set');
  const database = await freshPostgresDatabase();
  const fx = await createPgFixture(superUrl);
  const provider = createPostgresProvider({ log: silentLogger });
  const dir = mkdtempSync(join(tmpdir(), 'kc-revoke-pg-bench-'));
  const replicas: ServedProcess[] = [];
  const sessions: Array<Awaited<ReturnType<typeof connectAs>>> = [];
  const client = new pg.Client({ connectionString: database.url });
  const stub = await startSlackStub();
  try {
    const policy = join(dir, 'keycard.yaml');
    writeFileSync(policy, policyYaml(fx.resource, fx.readRole));
    const env = { ...replicaEnv(database.url, policy, stub.apiUrl), ORDERS_PG_ADMIN: fx.adminUrl };
    const args = keycardLauncher().args;
    for (let i = 0; i < options.replicas; i += 1) replicas.push(await spawnServed(args, env, dir, 120_000));
    await client.connect();

    // The logins, made by the provider as a grant makes them; requesters unique to this fixture (roles are server-wide).
    const numbers: number[] = [];
    const requesters: string[] = [];
    const refs: string[] = [];
    const roles: string[] = [];
    for (let n = 1; n <= options.logins; n += 1) {
      const requester = `u${fx.id}n${n}@example.com`;
      const granted = await provider.grant({
        grantId: `KC-${n}`,
        requester,
        resource: fx.resource,
        level: 'read',
        levelConfig: { role: fx.readRole },
        resourceConfig: {},
        connection: fx.adminUrl,
        expiresAt: new Date(Date.now() + 3_600_000),
        now: new Date(),
      });
      // Sessions on every (logins / sessions)-th login, so they expire spread over the window too.
      if (sessions.length < options.sessions && (n - 1) % Math.max(1, Math.floor(options.logins / options.sessions)) === 0) {
        const session = await connectAs(granted.credential!.secret);
        await session.client.query(`select count(*) from ${fx.table}`);
        sessions.push(session);
      }
      numbers.push(n);
      requesters.push(requester);
      refs.push(JSON.stringify(granted.ref));
      roles.push(String(granted.ref.role));
    }
    const start = Date.now() + 8_000;
    await client.query(INSERT_GRANTS, [numbers, requesters, refs, fx.resource, start, options.windowMs / options.logins]);
    await client.query(`select setval('request_number_seq', $1::int)`, [options.logins]);
    await client.query('analyze access_requests');

    const end = start + options.windowMs;
    const ended = async () =>
      (await client.query<{ n: number }>(`select count(*)::int n from access_requests where ended_at is not null`)).rows[0]!.n;
    while (Date.now() < end + 2_000 || ((await ended()) < options.logins && Date.now() < end + 60_000)) await sleep(500);

    const rows = await client.query<{ lag: number | null }>(
      `select extract(epoch from (ended_at - expires_at)) * 1000 as lag from access_requests`,
    );
    const duplicates = await client.query<{ n: number }>(
      `select count(*)::int n from (select request_id from audit_events where action = 'grant.revoking' group by request_id having count(*) > 1) d`,
    );
    const rolesLeft = await fx.query<{ n: number }>(`select count(*)::int n from pg_roles where rolname = any($1)`, [roles]);
    const sessionsLeft = await fx.query<{ n: number }>(`select count(*)::int n from pg_stat_activity where usename = any($1)`, [roles]);
    // A session that was ended cannot run a query any more.
    let endedSessions = 0;
    for (const session of sessions) {
      const alive = await session.client.query('select 1').then(
        () => true,
        () => false,
      );
      if (!alive) endedSessions += 1;
    }
    const lags = rows.rows.flatMap((r) => (r.lag === null ? [] : [Number(r.lag)]));
    const misses = rows.rows.length - lags.length;
    const ms = (p: number) => `${percentile(lags, p).toFixed(0)} ms`;
    return {
      benchmark: `revocation lag, real Postgres logins, ${options.replicas} replica process(es)`,
      goal: '≤ 250 ms p99, 0 duplicates, 0 missed',
      result: `p99 ${ms(99)}`,
      detail: `p50 ${ms(50)} · p95 ${ms(95)} · max ${lags.length ? Math.max(...lags).toFixed(0) : 'n/a'} ms; ${options.logins} login roles expiring within ${options.windowMs / 1000} s, ${sessions.length} with an open session; duplicates ${duplicates.rows[0]?.n ?? 0}, missed ${misses}; afterwards ${rolesLeft.rows[0]?.n ?? 0} roles and ${sessionsLeft.rows[0]?.n ?? 0} sessions left, ${endedSessions} of ${sessions.length} sessions ended; each replica a \`keycard start\` process (compiled) on one Postgres database, the target the same server`,
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    for (const session of sessions) await session.client.end().catch(() => undefined);
    await provider.close();
    await client.end().catch(() => undefined);
    await fx.teardown();
    await database.dispose();
    await stub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
