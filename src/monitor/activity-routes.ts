import type { CoreDeps } from '../core/lifecycle/deps.js';
import type { Clock, Logger } from '../core/ports/runtime.js';
import { type ActivityRoute, replyJson } from './http-reply.js';
import { createIngestHandler } from './ingest-route.js';
import { createK8sAuditHandler } from './k8s-audit-route.js';

export interface ActivityRoutesConfig {
  /** The built core (a getter: the routes are mounted before the core exists). */
  deps: () => CoreDeps;
  /** KEYCARD_ACTIVITY_SECRET: the HMAC key for /activity and the bearer token for /activity/k8s-audit. */
  secret: string;
  log: Logger;
  /** For the signature's time window; defaults to the core's clock. */
  clock?: Clock;
  /** Body limits in bytes (defaults: 1 MiB for /activity, 10 MiB for audit batches). */
  ingestBodyLimit?: number;
  auditBodyLimit?: number;
}

/** The routes, plus `drain()` for shutdown: resolves once audit events accepted so far are recorded. */
export type ActivityRoutes = ActivityRoute[] & { drain(): Promise<void> };

/**
 * The activity sources served over HTTP: `/activity` (signed JSON from any shipper) and
 * `/activity/k8s-audit` (the Kubernetes audit webhook). Mount them in the order returned; the
 * `/activity` handler also dispatches its sub-path, in case a server matches prefixes first-come.
 */
export function createActivityRoutes(config: ActivityRoutesConfig): ActivityRoutes {
  if (config.secret.length < 16)
    throw new Error('KEYCARD_ACTIVITY_SECRET must be at least 16 characters; generate one with: openssl rand -hex 32');
  const common = { deps: config.deps, secret: config.secret, log: config.log, ...(config.clock ? { clock: config.clock } : {}) };
  const ingest = createIngestHandler({ ...common, ...(config.ingestBodyLimit ? { bodyLimit: config.ingestBodyLimit } : {}) });
  const audit = createK8sAuditHandler({ ...common, ...(config.auditBodyLimit ? { bodyLimit: config.auditBodyLimit } : {}) });
  const routes: ActivityRoute[] = [
    { path: '/activity/k8s-audit', handler: audit.handler },
    {
      path: '/activity',
      handler: async (req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path === '/activity/k8s-audit' || path?.startsWith('/activity/k8s-audit/')) return audit.handler(req, res);
        if (path !== '/activity') return replyJson(res, 404, { error: 'not found' });
        return ingest(req, res);
      },
    },
  ];
  return Object.assign(routes, { drain: audit.drain });
}
