import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { endGrant } from '../../src/core/lifecycle/manage.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { startPostgresPoller } from '../../src/monitor/index.js';
import { createPostgresProvider, type PostgresProvider } from '../../src/providers/postgres/index.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The test: a real session as a granted role runs TRUNCATE; the poller catches it; Revoke kills the session. */
describe.skipIf(!hasTestPostgres())('Postgres session poller against a real server', () => {
  const suffix = randomBytes(3).toString('hex');
  const writeRole = `orders_rw_${suffix}`;
  let target: { url: string; dispose(): Promise<void> };
  let provider: PostgresProvider;
  let h: Harness;

  beforeAll(async () => {
    target = await freshPostgresDatabase();
    const admin = new pg.Client({ connectionString: target.url });
    await admin.connect();
    await admin.query('create table t (id int primary key, item text)');
    await admin.query(`insert into t values (1, 'keycard')`);
    await admin.query(`create role ${writeRole} nologin`);
    await admin.query(`grant select, insert, update, delete, truncate on t to ${writeRole}`);
    await admin.end();
    provider = createPostgresProvider({ log: silentLogger });
    const policy = makePolicy({
      resources: {
        ...basePolicyInput.resources,
        'orders-db': {
          description: 'Orders database (real Postgres)',
          provider: 'postgres',
          sensitivity: 'high',
          connection: 'env:ORDERS_DB_ADMIN_URL',
          levels: { write: { role: writeRole } },
          minDuration: '10s',
          maxDuration: '4h',
        },
      },
    });
    // The real clock's today, frozen: statements' query_start (server time) falls inside the grant window.
    h = await createHarness('pglite', { policy, start: new Date(), providers: { postgres: provider } });
    h.deps.resolveSecret = (ref) => (ref === 'env:ORDERS_DB_ADMIN_URL' ? target.url : undefined);
  }, 60_000);

  afterAll(async () => {
    await provider?.close();
    await h?.close();
    const admin = new pg.Client({ connectionString: target.url });
    await admin.connect();
    const roles = await admin.query<{ rolname: string }>(
      `select rolname from pg_roles where rolname like 'kc\\_%' and shobj_description(oid, 'pg_authid') like '%resource orders-db%'`,
    );
    for (const { rolname } of roles.rows) await admin.query(`drop role if exists ${pg.escapeIdentifier(rolname)}`).catch(() => undefined);
    await admin.query(`drop owned by ${writeRole}`).catch(() => undefined);
    await admin.end();
    await target?.dispose();
    const cleanup = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await cleanup.connect();
    await cleanup.query(`drop role if exists ${writeRole}`).catch(() => undefined);
    await cleanup.end();
  });

  it('catches TRUNCATE in a live session, DMs the requester and the approvers with Revoke, and Revoke kills the session', async () => {
    const run = (actor: string, text: string) => handleCommand(h.deps, { actor, text, origin: { platform: 'console' } });
    await run('alice@example.com', '/access orders-db 30m write fix stuck order INC-4211');
    let approver = 'bob@example.com';
    if ((await run(approver, 'approve KC-1')).kind === 'error') approver = 'carol@example.com';
    if ((await h.deps.store.getRequestByNumber(1))?.status !== 'active') await run(approver, 'approve KC-1');
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('active');
    const credential = h.chat.dms('alice@example.com', 'credential')[0]?.message;
    const connectionString = credential?.kind === 'credential' ? credential.credential.secret : undefined;
    expect(connectionString).toMatch(/^postgres(ql)?:\/\/kc_alice_kc_1:/);

    const session = new pg.Client({ connectionString });
    session.on('error', () => undefined);
    await session.connect();
    // The open transaction keeps the session "idle in transaction" with TRUNCATE as its statement until the poller sees it.
    await session.query('BEGIN');
    await session.query('TRUNCATE t');

    const poller = startPostgresPoller({ deps: h.deps, intervalMs: 100, lease: false });
    try {
      await waitFor('the anomaly DM to the requester', () =>
        h.chat.events.find((e) => e.type === 'anomaly' && e.to === 'alice@example.com' && e.alert.detector === 'destructive-sql'),
      );
    } finally {
      await poller.stop();
    }
    const toApprover = h.chat.events.find((e) => e.type === 'anomaly' && e.to === approver);
    expect(toApprover).toMatchObject({ alert: { detector: 'destructive-sql', severity: 'high', actions: ['revoke', 'acknowledge'] } });
    expect(toApprover?.type === 'anomaly' && toApprover.alert.summary).toMatch(/TRUNCATE: TRUNCATE t/);
    const grant = (await h.deps.store.getRequestByNumber(1))!;
    const activity = await h.deps.store.listActivity(grant.id, 10);
    expect(activity.filter((a) => a.statement === 'TRUNCATE t')).toHaveLength(1);
    expect(activity[0]).toMatchObject({ source: 'pg-poller', principal: 'kc_alice_kc_1', resource: 'orders-db' });

    // The approver clicks "Revoke now".
    const revoked = await endGrant(h.deps, { number: 1, actor: approver, reason: 'TRUNCATE during the grant', mode: 'revoke' });
    expect(revoked).toMatchObject({ ok: true, value: { status: 'revoked' } });
    await expect(session.query('select 1')).rejects.toThrow();
    await session.end().catch(() => undefined);
    const admin = new pg.Client({ connectionString: target.url });
    await admin.connect();
    // The TRUNCATE never committed: the row is still there.
    expect((await admin.query('select count(*)::int as n from t')).rows).toEqual([{ n: 1 }]);
    await admin.end();
  }, 60_000);
});
