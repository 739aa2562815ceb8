import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderGrantInput, ProviderRevokeInput } from '../../../src/core/ports/provider.js';
import { silentLogger } from '../../../src/core/ports/runtime.js';
import { createPostgresProvider, type PostgresProvider } from '../../../src/providers/postgres/index.js';
import { scramVerifierMatches } from '../../../src/providers/postgres/scram.js';
import { contractGrantId } from '../contract.js';
import { connectAs, createPgFixture, type PgFixture, testDatabaseUrl } from './pg-fixture.js';

const url = testDatabaseUrl();
const run = promisify(execFile);
const hasPsql = spawnSync('psql', ['--version']).status === 0;

describe.skipIf(!url)('postgres provider: sessions and privileges (real server)', () => {
  let fx: PgFixture;
  let provider: PostgresProvider;

  beforeAll(async () => {
    fx = await createPgFixture(url!);
    provider = createPostgresProvider({ log: silentLogger });
  });
  afterAll(async () => {
    await provider?.close?.();
    await fx?.teardown();
  });

  const grantInput = (level: 'read' | 'write', extra: Partial<ProviderGrantInput> = {}): ProviderGrantInput => ({
    grantId: contractGrantId(),
    requester: 'bob@example.com',
    resource: fx.resource,
    level,
    levelConfig: { role: level === 'read' ? fx.readRole : fx.writeRole },
    resourceConfig: {},
    connection: fx.adminUrl,
    expiresAt: new Date(Date.now() + 30 * 60_000),
    now: new Date(),
    ...extra,
  });
  const revokeInput = (g: ProviderGrantInput, ref: Record<string, unknown> | null): ProviderRevokeInput => ({ ...g, ref, now: new Date() });

  it('delivers a connection string that logs in and may SELECT but not INSERT under a read level', async () => {
    const input = grantInput('read');
    const { credential, ref } = await provider.grant(input);
    const role = String(ref.role);
    expect(role).toMatch(/^kc_bob_kc_\d+$/);
    const { client } = await connectAs(credential!.secret);
    expect((await client.query('SELECT current_user AS u')).rows[0]?.u).toBe(role);
    expect((await client.query(`SELECT count(*)::int AS n FROM ${fx.table}`)).rows[0]?.n).toBe(2);
    await expect(client.query(`INSERT INTO ${fx.table} VALUES (3, 'three')`)).rejects.toMatchObject({ code: '42501' });
    await client.end();

    // What the server stored: a SCRAM verifier of the delivered password, INHERIT, the limit and expiry, the label.
    const stored = await fx.query<{ rolpassword: string; rolinherit: boolean; rolconnlimit: number; rolvaliduntil: Date; comment: string }>(
      `SELECT rolpassword, rolinherit, rolconnlimit, rolvaliduntil, shobj_description(oid, 'pg_authid') AS comment FROM pg_authid WHERE rolname = $1`,
      [role],
    );
    const row = stored.rows[0]!;
    const password = decodeURIComponent(new URL(credential!.secret).password);
    expect(scramVerifierMatches(row.rolpassword, password)).toBe(true);
    expect(row).toMatchObject({ rolinherit: true, rolconnlimit: 3 });
    expect(Math.abs(row.rolvaliduntil.getTime() - input.expiresAt.getTime())).toBeLessThan(1000);
    expect(row.comment).toBe(`keycard grant ${input.grantId} expires ${input.expiresAt.toISOString()} resource ${fx.resource}`);
    await provider.revoke(revokeInput(input, ref));
  });

  it.skipIf(!hasPsql)('works with plain psql, no SET ROLE needed', async () => {
    const input = grantInput('read');
    const { credential, ref } = await provider.grant(input);
    const { stdout } = await run('psql', [credential!.secret, '-Atc', `SELECT name FROM ${fx.table} ORDER BY id`]);
    expect(stdout.trim().split('\n')).toEqual(['one', 'two']);
    await provider.revoke(revokeInput(input, ref));
  });

  it('allows INSERT under a write level', async () => {
    const input = grantInput('write');
    const { credential, ref } = await provider.grant(input);
    const { client } = await connectAs(credential!.secret);
    await client.query(`INSERT INTO ${fx.table} VALUES (100 + floor(random() * 1e6)::int, 'w')`);
    await client.end();
    await provider.revoke(revokeInput(input, ref));
  });

  it('revoke ends a live session and a new login fails afterwards', async () => {
    const input = grantInput('read');
    const { credential, ref } = await provider.grant(input);
    const { client, errors } = await connectAs(credential!.secret);
    // Even a session that switched to the group role (which REVOKE alone would not stop) is ended.
    await client.query(`SET ROLE ${fx.readRole}`);
    await client.query(`SELECT * FROM ${fx.table}`);
    const sessions = await provider.activity(revokeInput(input, ref));
    expect(sessions).toHaveLength(1);

    await provider.revoke(revokeInput(input, ref));
    await expect(client.query('SELECT 1')).rejects.toThrow();
    expect(errors.some((e) => /terminat/i.test(e.message))).toBe(true);
    await expect(connectAs(credential!.secret)).rejects.toMatchObject({ code: '28000' });
    expect(await provider.verifyRevoked(revokeInput(input, ref))).toBe(true);
    expect((await fx.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [ref.role])).rowCount).toBe(0);
  });

  it('reports activity and terminates sessions without revoking', async () => {
    const input = grantInput('read');
    const { credential, ref } = await provider.grant(input);
    const { client } = await connectAs(credential!.secret);
    await client.query("SELECT 'kc-activity-marker' AS marker");
    const [session] = await provider.activity(revokeInput(input, ref));
    expect(session).toMatchObject({ pid: expect.any(Number), clientAddr: '127.0.0.1/32', state: 'idle' });
    expect(session?.query).toContain('kc-activity-marker');
    expect(session?.backendStart).toBeInstanceOf(Date);

    expect(await provider.terminateSessions(revokeInput(input, ref))).toBe(1);
    await expect(client.query('SELECT 1')).rejects.toThrow();
    expect(await provider.activity(revokeInput(input, ref))).toEqual([]);
    const again = await connectAs(credential!.secret);
    await again.client.end();
    await provider.revoke(revokeInput(input, ref));
  });

  it('drops what the role owns only when dropOwned is set', async () => {
    const input = grantInput('write');
    const { credential, ref } = await provider.grant(input);
    const { client } = await connectAs(credential!.secret);
    const schema = fx.table.split('.')[0];
    await client.query(`CREATE TABLE ${schema}.owned_${fx.id}_${input.grantId.slice(3)} (x int)`);
    await client.end();

    await expect(provider.revoke(revokeInput(input, ref))).rejects.toMatchObject({ code: 'conflict' });
    // Even the failed revoke ended the login: NOLOGIN and no membership left.
    const left = await fx.query<{ rolcanlogin: boolean; groups: number }>(
      `SELECT rolcanlogin, (SELECT count(*)::int FROM pg_auth_members WHERE member = r.oid) AS groups FROM pg_roles r WHERE rolname = $1`,
      [ref.role],
    );
    expect(left.rows[0]).toEqual({ rolcanlogin: false, groups: 0 });
    expect(await provider.verifyRevoked(revokeInput(input, ref))).toBe(false);

    await provider.revoke(revokeInput({ ...input, resourceConfig: { dropOwned: true } }, ref));
    expect(await provider.verifyRevoked(revokeInput(input, ref))).toBe(true);
  });
});
