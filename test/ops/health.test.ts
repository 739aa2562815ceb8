import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatAdapter } from '../../src/chat/adapter.js';
import { runServer, type ServerHandle } from '../../src/cli/run-server.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { CoreDeps } from '../../src/core/lifecycle/deps.js';
import type { ChatPort } from '../../src/core/ports/chat.js';
import { forwardChatPort } from '../../src/core/ports/forward-chat.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import type { Store } from '../../src/core/ports/store.js';
import { createReadinessCheck, type ReadinessDependency } from '../../src/http/readiness.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createStore } from '../../src/store/create-store.js';
import { runMigrations } from '../../src/store/migrations.js';
import { emptyPglite, freshPostgresDatabase, hasTestPostgres, seededDataDir } from '../helpers/db.js';

interface Probe {
  status: number;
  body: Record<string, unknown>;
}

async function get(port: number, path: string): Promise<Probe> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A database of its own (not the shared test pool), so the test may really close it. */
async function ownStore(migrated: boolean): Promise<Store> {
  const handle = await emptyPglite();
  if (migrated) await runMigrations(handle);
  return createStore(handle);
}

describe('/healthz and /readyz', () => {
  let http: HttpServer | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await http?.close();
    await store?.close().catch(() => undefined);
    http = undefined;
    store = undefined;
  });

  async function serve(dependencies: ReadinessDependency[], options: { acceptingWork?: () => boolean; timeoutMs?: number } = {}) {
    http = createHttpServer({
      log: silentLogger,
      ready: createReadinessCheck({ store: store!, dependencies, log: silentLogger, ...options }),
    });
    return http.listen(0, '127.0.0.1');
  }

  it('is ready when the migrated database answers and every platform is connected', async () => {
    store = await ownStore(true);
    const port = await serve([{ name: 'slack', ready: async () => true }]);
    expect(await get(port, '/healthz')).toEqual({ status: 200, body: { ok: true } });
    expect(await get(port, '/readyz')).toEqual({ status: 200, body: { ok: true, checks: { database: 'ok', slack: 'ok' } } });
  });

  it('is not ready while a platform is disconnected or does not answer, or once shutdown began', async () => {
    store = await ownStore(true);
    let accepting = true;
    const port = await serve(
      [
        { name: 'slack', ready: async () => false },
        { name: 'teams', ready: () => new Promise<boolean>(() => {}) },
      ],
      { acceptingWork: () => accepting, timeoutMs: 100 },
    );
    expect(await get(port, '/readyz')).toEqual({
      status: 503,
      body: { ok: false, checks: { database: 'ok', slack: 'not connected', teams: 'not connected' } },
    });
    accepting = false;
    expect((await get(port, '/readyz')).body.checks).toMatchObject({ shutdown: 'in progress' });
  });

  it('says so when the database has no Keycard tables', async () => {
    store = await ownStore(false);
    const port = await serve([]);
    expect(await get(port, '/readyz')).toEqual({
      status: 503,
      body: { ok: false, checks: { database: 'migrations not applied (run keycard migrate)' } },
    });
  });

  it('answers 503 once the database is gone, while /healthz stays 200', async () => {
    store = await ownStore(true);
    const port = await serve([]);
    expect((await get(port, '/readyz')).status).toBe(200);
    await store.close();
    const probe = await get(port, '/readyz');
    expect(probe.status).toBe(503);
    expect(probe.body).toMatchObject({ ok: false, checks: { database: expect.stringMatching(/^unreachable: /) } });
    expect(await get(port, '/healthz')).toEqual({ status: 200, body: { ok: true } });
  });
});

/** A chat platform that is always connected and fails every delivery with a 429, as a throttled Slack would. */
function throttledAdapter(): ChatAdapter & { deps?: CoreDeps } {
  const throttled = async () => {
    throw Object.assign(new Error('A rate limit was exceeded (url: chat.postMessage, retry-after: 30)'), {
      code: 'slack_webapi_rate_limited_error',
    });
  };
  const chat: ChatPort = forwardChatPort(throttled);
  const adapter: ChatAdapter & { deps?: CoreDeps } = {
    platform: 'slack',
    chat,
    incidentResponders: { isResponder: async () => undefined },
    routes: () => [],
    async start(deps) {
      adapter.deps = deps;
    },
    ready: async () => true,
    stop: async () => {},
  };
  return adapter;
}

describe('keycard start in chat mode (runServer)', () => {
  let server: ServerHandle | undefined;
  let dispose: (() => Promise<void>) | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kc-serve-'));
  afterEach(async () => {
    await server?.shutdown('test over');
    await dispose?.();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves readiness with the platform check and metrics with lifecycle, provider and chat series', async () => {
    const adapter = throttledAdapter();
    // Postgres when the tests have one (a fresh PGlite data dir costs an initdb).
    const database = hasTestPostgres() ? await freshPostgresDatabase() : undefined;
    dispose = database?.dispose;
    const lines: string[] = [];
    server = await runServer(
      {
        out: (t) => lines.push(t),
        err: (t) => lines.push(t),
        env: {
          ...(database ? { DATABASE_URL: database.url } : { KEYCARD_DATA_DIR: seededDataDir(join(dir, 'data')) }),
          PORT: '0',
          KEYCARD_METRICS_PORT: '0',
          KEYCARD_AUDIT_KEY: 'k'.repeat(32),
          LOG_LEVEL: 'silent',
        },
        cwd: dir,
        stdin: process.stdin,
        stdoutIsTTY: false,
      },
      [adapter],
      { handleSignals: false, shutdownGraceMs: 2_000 },
    );
    expect(await get(server.port, '/readyz')).toEqual({ status: 200, body: { ok: true, checks: { database: 'ok', slack: 'ok' } } });

    const origin = { platform: 'slack' as const };
    await handleCommand(adapter.deps!, {
      actor: 'alice@example.com',
      text: '/access demo-db 15m read checking replication lag INC-42',
      origin,
    });
    // /metrics lives on its own loopback listener, not on the public port.
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`)).status).toBe(404);
    const text = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    expect(text).toMatch(/^keycard_requests_submitted_total\{resource="demo-db",tier="(medium|high)",kind="access"\} 1$/m);
    expect(text).toMatch(/^keycard_chat_errors_total\{platform="slack",operation="publishCard"\} 1$/m);
    expect(text).toMatch(/^keycard_chat_rate_limited_total\{platform="slack"\} [1-9]/m);
    expect(text).toMatch(/^keycard_revoke_failures_total\{provider="demo"\} 0$/m);
    expect(text).toMatch(/^process_start_time_seconds \d+/m);
  });
});
