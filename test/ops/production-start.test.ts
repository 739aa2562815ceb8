import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';
import { parseCopy, parseDockerfile, parseEnv, runCommand, type Stage } from './dockerfile.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const IMAGE_WORKDIR = '/app';
const run = promisify(execFile);
// What .dockerignore keeps out of the context even under a copied folder.
const IGNORED = (name: string) => ['node_modules', '.env', '.keycard'].includes(name) || name.endsWith('.log');

/**
 * Replays one Dockerfile stage in `dir` (standing in for /app): COPY from the repository or from an
 * earlier stage, and the `npm …` RUN steps. Two shortcuts keep this test near half a minute:
 * - a full `npm ci` (the build stage's) links the repository's node_modules instead: CI installed
 *   exactly that lock file with the same command moments earlier, so repeating it proves nothing new;
 *   the production-only `npm ci --omit=dev` of the runtime stage does run, as that is what is tested;
 * - npm may use its local cache first.
 * Other RUN steps touch the image's root (mkdir /data) and are skipped. Stages run concurrently, as
 * BuildKit runs them, and a `COPY --from` waits for the stage it names.
 */
async function replayStage(
  stage: Stage,
  dir: string,
  stages: Map<string, { dir: string; done: Promise<unknown> }>,
): Promise<Record<string, string>> {
  mkdirSync(dir, { recursive: true });
  const env: Record<string, string> = {};
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'ENV') Object.assign(env, parseEnv(args));
    if (keyword === 'COPY') {
      const copy = parseCopy(args);
      const earlier = copy.from ? stages.get(copy.from) : undefined;
      if (copy.from && !earlier) throw new Error(`COPY --from=${copy.from}: unknown stage`);
      await earlier?.done;
      const base = earlier?.dir ?? root;
      for (const source of copy.sources) {
        const from = copy.from ? join(base, source.replace(IMAGE_WORKDIR, '')) : join(base, source);
        const to = copy.dest.endsWith('/') ? join(dir, copy.dest, basename(source)) : join(dir, copy.dest);
        cpSync(from, to, { recursive: true, filter: (path) => !IGNORED(basename(path)) });
      }
    }
    if (keyword === 'RUN') {
      const command = runCommand(args);
      if (!command.startsWith('npm ')) continue;
      if (/^npm ci\b/.test(command) && !command.includes('--omit=dev')) {
        symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
        continue;
      }
      const runEnv: Record<string, string | undefined> = { ...process.env, ...env, npm_config_prefer_offline: 'true' };
      // The image build has no NODE_ENV unless the stage sets one; vitest's would change what npm installs.
      if (env.NODE_ENV === undefined) delete runEnv.NODE_ENV;
      await run('sh', ['-c', command], { cwd: dir, env: runEnv, maxBuffer: 64 * 1024 * 1024 });
    }
  }
  return env;
}

function jsonArray(stage: Stage, keyword: string): string[] {
  const instruction = stage.instructions.findLast((i) => i.keyword === keyword);
  return instruction ? (JSON.parse(instruction.args) as string[]) : [];
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the container image path, replayed from the Dockerfile on a clean copy', () => {
  const work = mkdtempSync(join(tmpdir(), 'kc-image-'));
  let child: ChildProcessWithoutNullStreams | undefined;
  let disposeDatabase: (() => Promise<void>) | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await disposeDatabase?.();
    // Two node_modules trees take ~20 s to delete; nothing waits for that.
    spawn('rm', ['-rf', work], { detached: true, stdio: 'ignore' }).unref();
  });

  it('builds with dev dependencies, runs with production ones only, and serves health, metrics and a request', async () => {
    const stages = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    const replays = new Map<string, { dir: string; done: Promise<Record<string, string>> }>();
    for (const stage of stages) {
      const dir = join(work, stage.name);
      replays.set(stage.name, { dir, done: replayStage(stage, dir, replays) });
    }
    await Promise.all([...replays.values()].map((r) => r.done));
    const imageEnv = await replays.get('runtime')!.done;
    const runtime = replays.get('runtime')!.dir;
    expect(existsSync(join(runtime, 'dist/cli/keycard.js'))).toBe(true);
    expect(existsSync(join(runtime, 'src'))).toBe(false);

    // Dev-only packages must not be in the image (the lock file says which top-level ones are dev-only).
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, info]) => info.dev === true && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path))
      .map(([path]) => path);
    expect(devOnly).toEqual(expect.arrayContaining(['node_modules/typescript', 'node_modules/vitest', 'node_modules/tsx']));
    expect(devOnly.filter((path) => existsSync(join(runtime, path)))).toEqual([]);

    const [command = '', ...args] = [...jsonArray(stages[1]!, 'ENTRYPOINT'), ...jsonArray(stages[1]!, 'CMD')];
    expect([command, ...args]).toEqual(['node', 'dist/cli/keycard.js', 'start']);
    // Postgres when the tests have one (start-up in a second); otherwise the embedded database, as `docker run` would.
    const database = hasTestPostgres() ? await freshPostgresDatabase() : undefined;
    disposeDatabase = database?.dispose;
    const storage = database ? { DATABASE_URL: database.url } : { KEYCARD_DATA_DIR: join(work, 'data') };
    child = spawn(command === 'node' ? process.execPath : command, args, {
      cwd: runtime,
      // The image's environment, as a container would see it; no chat credentials → the console on PGlite.
      env: { PATH: process.env.PATH ?? '', HOME: work, ...imageEnv, PORT: '0', KEYCARD_METRICS_PORT: '0', LOG_LEVEL: 'info', ...storage },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child!.on('close', resolve));

    const port = await waitFor('the health endpoints', () => {
      const match = /"port":(\d+)[^\n]*health endpoints listening/.exec(stderr);
      return match ? Number(match[1]) : undefined;
    });
    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, checks: { database: 'ok' } });

    child.stdin.write(
      'as alice@example.com\n/access demo-db 15m read checking replication lag INC-42\nas carol@example.com\napprove KC-1\n',
    );
    await waitFor('the grant', () => (/-> KC-1 active until/.test(stdout) ? true : undefined), 30_000);

    const metricsPort = await waitFor('the metrics listener', () => {
      const match = /"metricsPort":(\d+)[^\n]*metrics listening/.exec(stderr);
      return match ? Number(match[1]) : undefined;
    });
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^keycard_requests_total\{resource="demo-db",tier="(medium|high)",outcome="approved"\} 1$/m);
    expect(text).toMatch(/^keycard_active_grants\{resource="demo-db"\} 1$/m);
    expect(text).toMatch(/^keycard_provider_call_duration_seconds_count\{provider="demo",operation="grant",result="ok"\} 1$/m);

    child.stdin.end();
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/"level":(50|60)/);
  }, 300_000);
});
