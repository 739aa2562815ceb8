import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderGrantInput } from '../../../src/core/ports/provider.js';
import { ProviderError } from '../../../src/core/ports/provider.js';
import { silentLogger } from '../../../src/core/ports/runtime.js';
import { createPostgresProvider, type PostgresProvider } from '../../../src/providers/postgres/index.js';
import { contractGrantId } from '../contract.js';
import { connectAs, createPgFixture, type PgFixture, testDatabaseUrl, urlAs } from './pg-fixture.js';

const url = testDatabaseUrl();

/** A server that answers every startup with a FATAL ErrorResponse, as Postgres does for a wrong password. */
function fakeAuthFailServer(sqlstate: string): Promise<{ server: Server; port: number }> {
  const field = (type: string, value: string) => Buffer.concat([Buffer.from(type), Buffer.from(`${value}\0`)]);
  const fields = Buffer.concat([
    field('S', 'FATAL'),
    field('V', 'FATAL'),
    field('C', sqlstate),
    field('M', 'password authentication failed for user "keycard_admin"'),
    Buffer.from([0]),
  ]);
  const length = Buffer.alloc(4);
  length.writeInt32BE(fields.length + 4);
  const packet = Buffer.concat([Buffer.from('E'), length, fields]);
  const server = createServer((socket) => socket.once('data', () => socket.end(packet)));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })),
  );
}

describe.skipIf(!url)('postgres provider: errors and escaping (real server)', () => {
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

  const input = (extra: Partial<ProviderGrantInput> = {}): ProviderGrantInput => ({
    grantId: contractGrantId(),
    requester: 'carol@example.com',
    resource: fx.resource,
    level: 'read',
    levelConfig: { role: fx.readRole },
    resourceConfig: { connectTimeoutMs: 2_000 },
    connection: fx.adminUrl,
    expiresAt: new Date(Date.now() + 10 * 60_000),
    now: new Date(),
    ...extra,
  });
  const failure = async (p: Promise<unknown>): Promise<ProviderError> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  };

  it('maps an unreachable server to unavailable without leaking the URL password', async () => {
    const err = await failure(provider.grant(input({ connection: 'postgres://keycard_admin:hunter2@127.0.0.1:1/test' })));
    expect(err.code).toBe('unavailable');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('127.0.0.1:1/test');
    expect(err.message).not.toContain('hunter2');
  });

  it('maps a wrong password (28P01) to auth_failed', async () => {
    const { server, port } = await fakeAuthFailServer('28P01');
    try {
      const err = await failure(
        provider.list({
          resource: fx.resource,
          resourceConfig: {},
          levels: {},
          connection: `postgres://keycard_admin:wrong@127.0.0.1:${port}/test`,
        }),
      );
      expect(err.code).toBe('auth_failed');
      expect(err.message).toMatch(/admin login refused/);
      expect(err.message).not.toContain('wrong@');
    } finally {
      server.close();
    }
  });

  it('maps an unknown admin role (28000) on the real server to auth_failed', async () => {
    const err = await failure(
      provider.list({ resource: fx.resource, resourceConfig: {}, levels: {}, connection: urlAs(fx.superUrl, `kct_${fx.id}_nobody`) }),
    );
    expect(err.code).toBe('auth_failed');
  });

  it('maps a missing group role to invalid_config and leaves nothing behind', async () => {
    const grant = input({ levelConfig: { role: `kct_${fx.id}_missing` } });
    const err = await failure(provider.grant(grant));
    expect(err.code).toBe('invalid_config');
    expect(err.message).toContain(`group role "kct_${fx.id}_missing" does not exist; create it or fix levels.read.role`);
    expect(await provider.list({ resource: fx.resource, resourceConfig: {}, levels: {}, connection: fx.adminUrl })).toEqual([]);
  });

  it('maps an admin without CREATEROLE (42501) to auth_failed with the fix', async () => {
    const weak = `kct_${fx.id}_weak`;
    await fx.query(`CREATE ROLE ${weak} LOGIN`);
    try {
      const err = await failure(provider.grant(input({ connection: urlAs(fx.superUrl, weak) })));
      expect(err.code).toBe('auth_failed');
      expect(err.message).toMatch(/CREATEROLE.*ADMIN OPTION/);
    } finally {
      await fx.query(`DROP ROLE ${weak}`);
    }
  });

  it('refuses a non-postgres connection and a malformed group role before touching the server', async () => {
    expect((await failure(provider.grant(input({ connection: 'mysql://root@127.0.0.1/x' })))).code).toBe('invalid_config');
    expect((await failure(provider.grant(input({ connection: undefined })))).code).toBe('invalid_config');
    expect((await failure(provider.grant(input({ levelConfig: { role: 'x"; DROP ROLE postgres; --' } })))).code).toBe('invalid_config');
    expect((await failure(provider.grant(input({ resourceConfig: { connectionLimit: 'lots' } })))).code).toBe('invalid_config');
  });

  it('never touches a kc_ role that is not labelled as the same Keycard grant', async () => {
    const grant = input();
    const role = `kc_carol_${grant.grantId.toLowerCase().replace('-', '_')}`;
    await fx.query(`CREATE ROLE ${role} LOGIN`);
    try {
      expect((await failure(provider.grant(grant))).code).toBe('conflict');
      expect((await failure(provider.revoke({ ...grant, ref: null, now: new Date() }))).code).toBe('conflict');
      const still = await fx.query<{ rolcanlogin: boolean }>('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [role]);
      expect(still.rows).toEqual([{ rolcanlogin: true }]);
    } finally {
      await fx.query(`DROP ROLE ${role}`);
    }
  });

  it.each([
    [`o'brien";DROP ROLE postgres;--@example.com`, `KC-1'; DROP TABLE x; --`],
    ['back\\slash\\\\x@example.com', 'KC-\\2'],
    ['zoë.ünïcødé@example.com', 'KC-3 \u00e9\u{1F511}'],
    ['日本語@example.com', `KC-"4"`],
    [`${'a'.repeat(80)}@example.com`, `KC-${'9'.repeat(70)}`],
  ])('escapes hostile names safely: %s / %s', async (requester, suffix) => {
    const grantId = `${suffix}-${contractGrantId()}`;
    const grant = input({ requester, grantId });
    const { ref, credential } = await provider.grant(grant);
    expect(String(ref.role)).toMatch(/^kc_[a-z0-9_]{1,60}$/);
    const { client, errors } = await connectAs(credential!.secret);
    expect((await client.query(`SELECT count(*)::int AS n FROM ${fx.table}`)).rows[0]?.n).toBeGreaterThanOrEqual(2);
    await client.end();
    expect(errors).toEqual([]);
    const listed = await provider.list({ resource: fx.resource, resourceConfig: {}, levels: {}, connection: fx.adminUrl });
    expect(listed.map((g) => g.grantId)).toEqual([grantId]);
    await provider.revoke({ ...grant, ref: null, now: new Date() });
    expect(await provider.list({ resource: fx.resource, resourceConfig: {}, levels: {}, connection: fx.adminUrl })).toEqual([]);
    expect((await fx.query(`SELECT 1 FROM pg_roles WHERE rolname = 'postgres'`)).rowCount).toBe(1);
  });
});
