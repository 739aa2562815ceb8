import type { Logger as PinoLogger } from 'pino';
import type { ChatAdapter } from '../chat/adapter.js';
import type { KeycardConfig } from '../config/env.js';
import type { LifecycleSettings } from '../core/lifecycle/deps.js';
import { KeycardError } from '../core/result.js';
import { type MetricsServer, startMetricsServer } from '../http/metrics-server.js';
import { createReadinessCheck } from '../http/readiness.js';
import { createHttpServer } from '../http/server.js';
import { bootKeycard, StartupError } from '../main.js';
import { createKeycardMetrics, instrumentChat } from '../metrics/index.js';
import { startScheduler } from '../scheduler/start-scheduler.js';
import { directorySchedule } from './directory-setup.js';
import type { CliIo } from './io.js';
import { startAuditCheckpoints } from './start-checkpoints.js';
import { startMonitoring } from './start-monitoring.js';

export interface ServerHandle {
  port: number;
  /** The /metrics listener's port (KEYCARD_METRICS_PORT), undefined when metrics are off. */
  metricsPort: number | undefined;
  /** Graceful shutdown: stop taking new work, let in-flight jobs finish, close HTTP and the database. */
  shutdown(reason: string): Promise<void>;
  closed: Promise<void>;
}

/**
 * `keycard start` with Slack and/or Teams configured: one HTTP server (platform routes, /healthz,
 * /readyz, /metrics), the scheduler, and graceful shutdown on SIGTERM/SIGINT. Claims left by a shutdown that could
 * not finish are retried by another replica after their lease.
 */
export async function runServer(
  io: CliIo,
  adapters: ChatAdapter[],
  options: { handleSignals?: boolean; shutdownGraceMs?: number; log?: PinoLogger; settings?: Partial<LifecycleSettings> } = {},
): Promise<ServerHandle> {
  // Created before the core so each platform's chat port is wrapped before the fan-out (errors by platform).
  const metrics = createKeycardMetrics(options.log ? { log: options.log } : {});
  metrics.preset({ platforms: adapters.map((a) => a.platform) });
  const keycard = await bootKeycard({
    env: io.env,
    cwd: io.cwd,
    chat: adapters.map((a) => ({ platform: a.platform, chat: instrumentChat(a.chat, a.platform, metrics.onChatFailure) })),
    incidentResponders: adapters.map((a) => a.incidentResponders),
    metrics,
    ...(options.log ? { log: options.log } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
  });
  const log = keycard.log;
  let acceptingWork = true;
  const http = createHttpServer({
    log,
    ready: createReadinessCheck({
      store: keycard.store,
      dependencies: adapters.map((adapter) => ({ name: adapter.platform, ready: () => adapter.ready() })),
      log,
      acceptingWork: () => acceptingWork,
      ...(keycard.directory ? { detail: keycard.directory.runtime.readinessDetail } : {}),
    }),
  });
  for (const adapter of adapters) for (const route of adapter.routes()) http.route(route.path, route.handler);
  for (const route of keycard.directory?.routes ?? []) http.route(route.path, route.handler);
  try {
    for (const adapter of adapters) await adapter.start(keycard.deps);
  } catch (error) {
    await keycard.close();
    if (error instanceof KeycardError) throw new StartupError([`Keycard cannot start: ${error.message}`]);
    throw error;
  }
  const scheduler = startScheduler(keycard.deps, directorySchedule(keycard.directory));
  const monitoring = startMonitoring(keycard, http);
  const checkpoints = startAuditCheckpoints(keycard, io.env, io.cwd);
  const port = await http.listen(keycard.config.port);
  const metricsServer = await listenMetrics(keycard.config.metrics, () => metrics.render(), log).catch(async (error: unknown) => {
    await http.close();
    await scheduler.stop();
    await monitoring.stop();
    await keycard.close();
    throw error;
  });
  log.info({ port, metricsPort: metricsServer?.port ?? null, platforms: adapters.map((a) => a.platform) }, 'keycard serving');
  io.err(
    `Keycard is serving ${adapters.map((a) => a.platform).join(' and ')} on port ${port} (health: /healthz, /readyz)${metricsServer ? `; metrics: http://${keycard.config.metrics?.host}:${metricsServer.port}/metrics` : ''}.`,
  );

  let resolveClosed = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    shuttingDown ??= (async () => {
      acceptingWork = false;
      log.info({ reason }, 'shutting down');
      const grace = new Promise<void>((resolve) => setTimeout(resolve, options.shutdownGraceMs ?? 20_000).unref());
      await Promise.race([
        (async () => {
          await http.close();
          await metricsServer?.close();
          for (const adapter of adapters) await adapter.stop().catch(() => undefined);
          await scheduler.stop();
          await monitoring.stop();
        })(),
        grace,
      ]);
      // The last checkpoint names the head as this replica leaves it.
      await checkpoints?.stop();
      await keycard.close();
      log.info('stopped');
      resolveClosed();
    })();
    return shuttingDown;
  };
  if (options.handleSignals !== false) {
    const onSignal = (signal: NodeJS.Signals) => void shutdown(signal);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    void closed.then(() => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    });
  }
  return { port, metricsPort: metricsServer?.port, shutdown, closed };
}

/** The /metrics listener; a port that cannot be bound is a startup error naming the setting. */
export async function listenMetrics(
  config: KeycardConfig['metrics'],
  render: () => Promise<{ contentType: string; body: string }>,
  log: PinoLogger,
): Promise<MetricsServer | undefined> {
  if (!config) return undefined;
  try {
    return await startMetricsServer({
      log,
      host: config.host,
      port: config.port,
      render,
      ...(config.token ? { token: config.token } : {}),
    });
  } catch (error) {
    throw new StartupError([
      `Keycard cannot start: the metrics listener cannot bind ${config.host}:${config.port} (${error instanceof Error ? error.message : String(error)}); set KEYCARD_METRICS_PORT to a free port or to "off"`,
    ]);
  }
}
