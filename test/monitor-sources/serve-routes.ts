import type { CoreDeps } from '../../src/core/lifecycle/deps.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { type ActivityRoutes, createActivityRoutes, signActivityBody } from '../../src/monitor/index.js';

export const SECRET = 'test-activity-secret-0123456789abcdef';

export interface Served {
  url: string;
  routes: ActivityRoutes;
  close(): Promise<void>;
}

/** The activity routes on Keycard's real HTTP server, on a free port. */
export async function serveActivityRoutes(deps: CoreDeps): Promise<Served> {
  const routes = createActivityRoutes({ deps: () => deps, secret: SECRET, log: silentLogger });
  const server: HttpServer = createHttpServer({ log: silentLogger, ready: async () => ({ ok: true, checks: {} }) });
  for (const route of routes) server.route(route.path, route.handler);
  const port = await server.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, routes, close: () => server.close() };
}

/** Headers for a body signed at `atSec` (Unix seconds). */
export function signedHeaders(body: string, atSec: number, secret = SECRET): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-keycard-timestamp': String(atSec),
    'x-keycard-signature': signActivityBody(secret, atSec, body),
  };
}
