import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../core/ports/runtime.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpServerOptions {
  log: Logger;
  /** Readiness: database reachable, migrations applied, chat adapters connected. */
  ready: () => Promise<{ ok: boolean; checks: Record<string, string> }>;
  /** Prometheus exposition for GET /metrics; without it /metrics is 404. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
}

export interface HttpServer {
  /** Mounts a handler for a path prefix (Slack's /slack/events, Teams' /api/messages, …). */
  route(prefix: string, handler: RouteHandler): void;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
  readonly server: Server;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Keycard's single HTTP server: health probes, metrics, and whatever the chat adapters mount. */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const routes: Array<{ prefix: string; handler: RouteHandler }> = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/healthz') return json(res, 200, { ok: true });
    if (path === '/readyz') {
      options
        .ready()
        .then((r) => json(res, r.ok ? 200 : 503, r))
        .catch((error: unknown) => json(res, 503, { ok: false, checks: { error: error instanceof Error ? error.message : 'unknown' } }));
      return;
    }
    if (path === '/metrics' && options.metrics) {
      options
        .metrics()
        .then(({ contentType, body }) => {
          res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
          res.end(body);
        })
        .catch((error: unknown) => {
          options.log.error({ err: error instanceof Error ? error.message : String(error) }, 'rendering metrics failed');
          json(res, 500, { error: 'metrics unavailable' });
        });
      return;
    }
    const route = routes.find((r) => path === r.prefix || path.startsWith(`${r.prefix}/`));
    if (!route) return json(res, 404, { error: 'not found' });
    Promise.resolve(route.handler(req, res)).catch((error: unknown) => {
      options.log.error({ path, err: error instanceof Error ? error.message : String(error) }, 'http handler failed');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
    });
  });
  return {
    server,
    route(prefix, handler) {
      routes.push({ prefix, handler });
    },
    listen(port, host = '0.0.0.0') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
    },
  };
}
