import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A throwaway Postgres server of this test's own (initdb in a temp dir), because Postgres enforces a login
 * role's VALID UNTIL only on password logins and the shared test server trusts every local login. Here the
 * socket is `trust` (Keycard's admin and the fixture's superuser connect through it) and TCP on 127.0.0.1
 * requires SCRAM passwords, so a grant's login is checked exactly as in production.
 */
export interface PasswordServer {
  /** Superuser URL over the unix socket (trust). */
  superUrl: string;
  port: number;
  /** Tries a password login over TCP; resolves "ok" or the server's error message. */
  login(user: string, password: string): Promise<string>;
  stop(): void;
}

/**
 * A Postgres server binary: from PATH, else from Debian's versioned install (`/usr/lib/postgresql/<major>/bin`,
 * which the postgresql package does not put on PATH), newest major first. Undefined when neither has it.
 */
export function postgresBinary(name: 'initdb' | 'pg_ctl'): string | undefined {
  if (spawnSync(name, ['--version']).status === 0) return name;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  return majors.map((major) => join(root, major, 'bin', name)).find((path) => existsSync(path));
}

/** Why a private server cannot be started here, or undefined when it can. */
export function passwordServerUnavailable(): string | undefined {
  if (!postgresBinary('initdb') || !postgresBinary('pg_ctl')) return 'initdb/pg_ctl are neither on PATH nor in /usr/lib/postgresql/*/bin';
  if (process.getuid?.() === 0 && spawnSync('id', ['postgres']).status !== 0) return 'running as root without a postgres OS user';
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startPasswordServer(): Promise<PasswordServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kc-pwserver-'));
  const asRoot = process.getuid?.() === 0;
  // initdb refuses to run as root: run the server as the postgres OS user then.
  const run = (args: string[]) => {
    const [cmd, ...rest] = asRoot ? ['runuser', '-u', 'postgres', '--', ...args] : args;
    const result = spawnSync(cmd!, rest, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  };
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  run([postgresBinary('initdb') ?? 'initdb', '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n');
  const port = await freePort();
  run([
    postgresBinary('pg_ctl') ?? 'pg_ctl',
    '-D',
    data,
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c password_encryption=scram-sha-256`,
    '-w',
    '-l',
    join(dir, 'server.log'),
    'start',
  ]);
  return {
    superUrl: `postgres://postgres@localhost:${port}/postgres?host=${encodeURIComponent(dir)}`,
    port,
    async login(user, password) {
      const client = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'postgres', connectionTimeoutMillis: 10_000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return 'ok';
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    stop() {
      run(['pg_ctl', '-D', data, '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
