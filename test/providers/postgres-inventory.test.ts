import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StandingAccess } from '../../src/core/ports/provider.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createPostgresProvider, type PostgresProvider } from '../../src/providers/postgres/index.js';
import { createPgFixture, type PgFixture, testDatabaseUrl } from './postgres/pg-fixture.js';

const { escapeIdentifier: ident } = pg;
const url = testDatabaseUrl();

describe.skipIf(!url)('postgres inventory (real server)', () => {
  let fx: PgFixture;
  let provider: PostgresProvider;
  const extra: string[] = [];
  const role = (suffix: string) => `kct_${fx.id}_${suffix}`;
  const create = async (name: string, options: string) => {
    extra.push(name);
    await fx.query(`CREATE ROLE ${ident(name)} ${options}`);
  };
  const listInput = () => ({
    resource: fx.resource,
    resourceConfig: {},
    levels: { read: { role: fx.readRole }, write: { role: fx.writeRole } },
    connection: fx.adminUrl,
  });

  beforeAll(async () => {
    fx = await createPgFixture(url!);
    provider = createPostgresProvider({ log: silentLogger });
    // Keycard-made: a real grant (kc_ role with Keycard's comment) on each level.
    for (const [grantId, level] of [
      [`KC-${fx.id}1`, 'read'],
      [`KC-${fx.id}2`, 'write'],
    ] as const) {
      await provider.grant({
        grantId,
        requester: 'alice@example.com',
        resource: fx.resource,
        level,
        levelConfig: { role: level === 'read' ? fx.readRole : fx.writeRole },
        resourceConfig: {},
        connection: fx.adminUrl,
        now: new Date(),
        expiresAt: new Date(Date.now() + 15 * 60_000),
      });
    }
    // Standing: a direct member, a member through a team role, and a role with a direct privilege on the table.
    await create(role('analyst'), 'LOGIN');
    await fx.query(`GRANT ${ident(fx.readRole)} TO ${ident(role('analyst'))}`);
    await create(role('team'), 'NOLOGIN');
    await fx.query(`GRANT ${ident(fx.writeRole)} TO ${ident(role('team'))}`);
    await create(role('dev'), 'LOGIN');
    await fx.query(`GRANT ${ident(role('team'))} TO ${ident(role('dev'))}`);
    await create(role('etl'), 'LOGIN');
    await fx.query(`GRANT SELECT, UPDATE ON ${fx.table} TO ${ident(role('etl'))}`);
    // A kc_-named role without Keycard's comment is not Keycard's: it is standing access like any other.
    await create(`kc_${fx.id}_impostor`, 'LOGIN');
    await fx.query(`GRANT ${ident(fx.readRole)} TO ${ident(`kc_${fx.id}_impostor`)}`);
    // Unrelated: a login role with no path to the levels, and a NOLOGIN member (it cannot connect).
    await create(role('other'), 'LOGIN');
    await create(role('nologin'), 'NOLOGIN');
    await fx.query(`GRANT ${ident(fx.readRole)} TO ${ident(role('nologin'))}`);
  });

  afterAll(async () => {
    await provider?.close();
    await fx?.teardown();
    const admin = new pg.Client({ connectionString: url! });
    await admin.connect();
    for (const name of extra.reverse()) await admin.query(`DROP ROLE IF EXISTS ${ident(name)}`);
    await admin.end();
  });

  it('reports only the standing login roles, with how each got access', async () => {
    const found = await provider.inventory(listInput());
    const sorted = (list: StandingAccess[]) =>
      [...list].sort((a, b) => `${a.level}${a.principal}`.localeCompare(`${b.level}${b.principal}`));
    const table = `kct_${fx.id}.items`;
    const viaRead = `member of ${fx.readRole}`;
    // The write group role also holds SELECT on the read level's table, so its members reach the read level too.
    const viaTeam = `member of ${role('team')} → ${fx.writeRole}`;
    expect(sorted(found)).toEqual(
      sorted([
        { level: 'read', principal: role('analyst'), via: viaRead, kind: 'role' },
        { level: 'read', principal: `kc_${fx.id}_impostor`, via: viaRead, kind: 'role' },
        { level: 'read', principal: role('etl'), via: `SELECT, UPDATE on ${table}`, kind: 'role' },
        { level: 'read', principal: role('dev'), via: `${viaTeam} (INSERT, SELECT on ${table})`, kind: 'role' },
        { level: 'write', principal: role('dev'), via: viaTeam, kind: 'role' },
        { level: 'write', principal: role('etl'), via: `SELECT, UPDATE on ${table}`, kind: 'role' },
        { level: 'write', principal: role('analyst'), via: `${viaRead} (SELECT on ${table})`, kind: 'role' },
        { level: 'write', principal: `kc_${fx.id}_impostor`, via: `${viaRead} (SELECT on ${table})`, kind: 'role' },
      ]),
    );
    // Keycard's own roles, the admin role and the superuser owning the table are never reported.
    expect(found.some((s) => s.principal.startsWith('kc_alice'))).toBe(false);
    expect(found.some((s) => s.principal === fx.admin || s.principal === 'postgres')).toBe(false);
  });

  it('counts members of pg_read_all_data, which reads every table', async () => {
    if (fx.serverVersion < 140000) return;
    await create(role('auditor'), 'LOGIN');
    await fx.query(`GRANT pg_read_all_data TO ${ident(role('auditor'))}`);
    try {
      const found = (await provider.inventory(listInput())).filter((s) => s.principal === role('auditor'));
      expect(found).toEqual([
        { level: 'read', principal: role('auditor'), via: 'member of pg_read_all_data', kind: 'role' },
        { level: 'write', principal: role('auditor'), via: 'member of pg_read_all_data', kind: 'role' },
      ]);
    } finally {
      await fx.query(`REVOKE pg_read_all_data FROM ${ident(role('auditor'))}`);
    }
  });

  it('changes nothing at the target', async () => {
    const before = await fx.query(`SELECT count(*)::int AS n FROM pg_roles`);
    await provider.inventory(listInput());
    const after = await fx.query(`SELECT count(*)::int AS n FROM pg_roles`);
    expect(after.rows[0]).toEqual(before.rows[0]);
    // list also reports the unlabelled kc_ impostor (no grant id): reconciliation calls it drift.
    const listed = await provider.list(listInput());
    expect(listed.map((g) => g.grantId).sort()).toEqual(['', `KC-${fx.id}1`, `KC-${fx.id}2`]);
    expect(listed.find((g) => g.grantId === '')?.principal).toBe(`kc_${fx.id}_impostor`);
  });

  it('fails with invalid_config when a level names a group role that does not exist', async () => {
    const input = { ...listInput(), levels: { read: { role: `kct_${fx.id}_missing` } } };
    await expect(provider.inventory(input)).rejects.toMatchObject({ code: 'invalid_config' });
  });
});
