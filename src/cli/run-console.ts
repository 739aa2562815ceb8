import { createInterface } from 'node:readline';
import { createConsoleChat } from '../chat/console/console-chat.js';
import { runConsoleSession } from '../chat/console/console-session.js';
import type { LifecycleSettings } from '../core/lifecycle/deps.js';
import type { MetricsServer } from '../http/metrics-server.js';
import { createReadinessCheck } from '../http/readiness.js';
import { createHttpServer, type HttpServer } from '../http/server.js';
import { bootKeycard } from '../main.js';
import { startScheduler } from '../scheduler/start-scheduler.js';
import { directorySchedule } from './directory-setup.js';
import type { CliIo } from './io.js';
import { listenMetrics } from './run-server.js';
import { startAuditCheckpoints } from './start-checkpoints.js';
import { startMonitoring } from './start-monitoring.js';

/**
 * `keycard start` without chat credentials, and `keycard console`: the terminal is the chat surface.
 * The scheduler runs in-process, so expiry notices and revocations appear while you type.
 */
export async function runConsole(io: CliIo, options: { http: boolean; settings?: Partial<LifecycleSettings> }): Promise<number> {
  const interactive = Boolean(io.stdin.isTTY);
  let redraw = () => {};
  const write = (line: string) => {
    io.out(line);
    redraw();
  };
  const clock = { now: () => new Date() };
  const chat = createConsoleChat({ write, clock });
  const keycard = await bootKeycard({
    env: io.env,
    cwd: io.cwd,
    chat: [{ platform: 'console', chat }],
    clock,
    quietByDefault: true,
    ...(options.settings ? { settings: options.settings } : {}),
  });
  const scheduler = startScheduler(keycard.deps, directorySchedule(keycard.directory));
  let http: HttpServer | undefined;
  if (options.http) {
    // The terminal is always "connected"; readiness is the database alone.
    http = createHttpServer({
      log: keycard.log,
      ready: createReadinessCheck({
        store: keycard.store,
        dependencies: [],
        log: keycard.log,
        ...(keycard.directory ? { detail: keycard.directory.runtime.readinessDetail } : {}),
      }),
    });
    for (const route of keycard.directory?.routes ?? []) http.route(route.path, route.handler);
    try {
      const port = await http.listen(keycard.config.port);
      keycard.log.info({ port }, 'health endpoints listening');
    } catch (error) {
      io.err(
        `(health endpoints not started: port ${keycard.config.port} is unavailable: ${error instanceof Error ? error.message : error}; set PORT to change it)`,
      );
      http = undefined;
    }
  }
  let metricsServer: MetricsServer | undefined;
  if (options.http) {
    try {
      metricsServer = await listenMetrics(keycard.config.metrics, () => keycard.metrics.render(), keycard.log);
      if (metricsServer) keycard.log.info({ metricsPort: metricsServer.port }, 'metrics listening');
    } catch (error) {
      // The console is a local tool: a busy metrics port is worth a line, not a refusal to start.
      io.err(`(metrics not served: ${error instanceof Error ? error.message.replace(/^Keycard cannot start: /, '') : String(error)})`);
    }
  }
  const monitoring = startMonitoring(keycard, http);
  const checkpoints = startAuditCheckpoints(keycard, io.env, io.cwd);
  const policy = keycard.policy;
  io.out(
    `Keycard console · policy ${keycard.config.policyPath} · ${keycard.config.databaseUrl ? 'Postgres' : `embedded Postgres in ${keycard.config.dataDir}`}`,
  );
  io.out(`Resources: ${Object.keys(policy.resources).join(', ')} · type "help" for commands, "as <email>" to pick who you are.`);

  const rl = createInterface({ input: io.stdin, terminal: interactive, ...(interactive ? { output: process.stdout } : {}) });
  let user: string | undefined;
  if (interactive) {
    redraw = () => rl.prompt(true);
  }
  const shutdown = async () => {
    rl.close();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  try {
    await runConsoleSession({
      deps: keycard.deps,
      lines: rl,
      write,
      echo: !interactive,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      onIdle: (current) => {
        user = current;
        if (interactive) {
          rl.setPrompt(`${user ?? 'nobody'}> `);
          rl.prompt();
        }
      },
    });
  } finally {
    redraw = () => {};
    process.off('SIGINT', shutdown);
    process.off('SIGTERM', shutdown);
    rl.close();
    await scheduler.stop();
    await monitoring.stop();
    await http?.close();
    await metricsServer?.close();
    await checkpoints?.stop();
    await keycard.close();
  }
  return 0;
}
