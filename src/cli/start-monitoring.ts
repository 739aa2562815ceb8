import type { HttpServer } from '../http/server.js';
import type { Keycard } from '../main.js';
import { createActivityRoutes, startPostgresPoller } from '../monitor/index.js';

export interface MonitoringHandle {
  stop(): Promise<void>;
}

/**
 * Activity monitoring for a running Keycard: the signed ingest and Kubernetes audit routes (only when
 * KEYCARD_ACTIVITY_SECRET is set) and the Postgres session poller (it idles when no resource uses the
 * postgres provider, and runs on one replica at a time under a lease).
 */
export function startMonitoring(keycard: Keycard, http: HttpServer | undefined): MonitoringHandle {
  const secret = keycard.config.activitySecret;
  const routes = secret && http ? createActivityRoutes({ deps: () => keycard.deps, secret, log: keycard.log }) : undefined;
  if (routes && http) for (const route of routes) http.route(route.path, route.handler);
  if (!secret) keycard.log.info('activity ingest is off: set KEYCARD_ACTIVITY_SECRET to accept /activity and /activity/k8s-audit');
  const poller = startPostgresPoller({ deps: keycard.deps });
  return {
    async stop() {
      await poller.stop();
      await routes?.drain();
    },
  };
}
