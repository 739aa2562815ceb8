import { randomBytes } from 'node:crypto';
import pg from 'pg';

const { escapeIdentifier: ident } = pg;

/**
 * The real server the postgres provider is tested against. In CI a missing TEST_DATABASE_URL is a
 * failure (thrown at import, so the file fails), never a silent skip.
 */
export function testDatabaseUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL;
  if (!url && process.env.CI) throw new Error('TEST_DATABASE_URL must be set in CI: the postgres provider is tested against a real server');
  return url;
}

/** A URL for the same server and database, logged in as `user` (the test server uses trust auth on 127.0.0.1). */
export function urlAs(base: string, user: string, password?: string): string {
  const url = new URL(base);
  url.username = encodeURIComponent(user);
  url.password = password ? encodeURIComponent(password) : '';
  return url.toString();
}

export interface PgFixture {
  id: string;
  superUrl: string;
  /** A non-superuser admin set up exactly as the README says. */
  adminUrl: string;
  admin: string;
  readRole: string;
  writeRole: string;
  table: string;
  resource: string;
  serverVersion: number;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<T>>;
  teardown(): Promise<void>;
}

/** Creates uniquely named group roles, a table and an admin role, so parallel runs never collide. */
export async function createPgFixture(superUrl: string): Promise<PgFixture> {
  const id = randomBytes(4).toString('hex');
  const admin = `kct_${id}_admin`;
  const readRole = `kct_${id}_read`;
  const writeRole = `kct_${id}_write`;
  const schema = `kct_${id}`;
  const table = `${ident(schema)}.items`;
  const client = new pg.Client({ connectionString: superUrl });
  client.on('error', () => undefined);
  await client.connect();
  const serverVersion = Number((await client.query<{ v: string }>('SHOW server_version_num')).rows[0]?.v);
  const run = (sql: string) => client.query(sql);

  await run(`CREATE ROLE ${ident(readRole)} NOLOGIN`);
  await run(`CREATE ROLE ${ident(writeRole)} NOLOGIN`);
  await run(`CREATE SCHEMA ${ident(schema)}`);
  await run(`CREATE TABLE ${table} (id int PRIMARY KEY, name text)`);
  await run(`INSERT INTO ${table} VALUES (1, 'one'), (2, 'two')`);
  await run(`GRANT USAGE ON SCHEMA ${ident(schema)} TO ${ident(readRole)}, ${ident(writeRole)}`);
  await run(`GRANT CREATE ON SCHEMA ${ident(schema)} TO ${ident(writeRole)}`);
  await run(`GRANT SELECT ON ${table} TO ${ident(readRole)}`);
  await run(`GRANT SELECT, INSERT ON ${table} TO ${ident(writeRole)}`);
  // The README's one-time admin setup.
  await run(`CREATE ROLE ${ident(admin)} LOGIN CREATEROLE`);
  await run(`GRANT pg_signal_backend, pg_read_all_stats TO ${ident(admin)}`);
  if (serverVersion >= 160000) await run(`GRANT ${ident(readRole)}, ${ident(writeRole)} TO ${ident(admin)} WITH ADMIN OPTION`);

  return {
    id,
    superUrl,
    adminUrl: urlAs(superUrl, admin),
    admin,
    readRole,
    writeRole,
    table,
    resource: `pgtest-${id}`,
    serverVersion,
    query: (sql, params) => client.query(sql, params),
    async teardown() {
      const left = await client.query<{ rolname: string }>(
        `SELECT rolname FROM pg_roles WHERE rolname LIKE 'kc\\_%' AND shobj_description(oid, 'pg_authid') LIKE $1`,
        [`%resource pgtest-${id}`],
      );
      for (const { rolname } of left.rows) {
        await client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [rolname]);
        await client.query(`DROP OWNED BY ${ident(rolname)}`).catch(() => undefined);
        await client.query(`DROP ROLE IF EXISTS ${ident(rolname)}`);
      }
      await run(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
      for (const role of [readRole, writeRole, admin]) {
        await client.query(`DROP OWNED BY ${ident(role)}`).catch(() => undefined);
        await run(`DROP ROLE IF EXISTS ${ident(role)}`);
      }
      await client.end();
    },
  };
}

/** Connects with a delivered credential; the 'error' listener keeps a terminated session from crashing the run. */
export async function connectAs(connectionString: string): Promise<{ client: pg.Client; errors: Error[] }> {
  const client = new pg.Client({ connectionString });
  const errors: Error[] = [];
  client.on('error', (err) => errors.push(err));
  await client.connect();
  return { client, errors };
}
