import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Logger } from '../core/ports/runtime.js';

export interface MetricsServerOptions {
  log: Logger;
  /** Interface to bind; 127.0.0.1 by default so only the machine (or the pod's sidecars) can scrape. */
  host: string;
  port: number;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  token?: string;
  render: () => Promise<{ contentType: string; body: string }>;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Constant-time check of `Authorization: Bearer <token>` (hashed first so lengths never leak). */
export function hasBearer(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token));
}

/**
 * Prometheus exposition on its own listener, apart from the public Slack/Teams port: metrics name
 * resources, tiers and error rates, which are nobody's business outside the cluster.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'not found' }));
      return;
    }
    if (options.token !== undefined && !hasBearer(req.headers.authorization, options.token)) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      res.end(JSON.stringify({ error: 'unauthorized', message: 'send Authorization: Bearer <KEYCARD_METRICS_TOKEN>' }));
      return;
    }
    options
      .render()
      .then(({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(body);
      })
      .catch((error: unknown) => {
        options.log.error({ err: error instanceof Error ? error.message : String(error) }, 'rendering metrics failed');
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'metrics unavailable' }));
      });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : options.port);
    });
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
