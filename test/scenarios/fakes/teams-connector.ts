import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import type { Person } from '../world.js';

export interface ConnectorCall {
  method: string;
  /** Decoded path below the serviceUrl, e.g. `v3/conversations/19:x@thread.tacv2/activities`. */
  path: string;
  body: Record<string, unknown>;
  /** The id the connector gave a posted activity or a created conversation. */
  id?: string;
  authorization: string | undefined;
  at: number;
}

export interface ConnectorOptions {
  serviceUrl: string;
  people: Person[];
  channels: Array<{ id: string; name?: string }>;
  tenantId: string;
}

/**
 * How the Bot Connector answers: member lookups, team channel and member lists, personal conversations
 * created on demand, an id for every posted activity. Every call is recorded as Teams received it.
 */
function connectorLogic(options: ConnectorOptions) {
  const calls: ConnectorCall[] = [];
  let n = 0;
  const member = (p: Person) => ({
    id: p.teams.id,
    aadObjectId: p.teams.aadObjectId,
    name: p.email,
    email: p.email,
    userPrincipalName: p.email,
    tenantId: options.tenantId,
  });
  const handle = (method: string, path: string, body: unknown, authorization: string | undefined): [number, unknown] => {
    const call: ConnectorCall = { method, path, body: (body ?? {}) as Record<string, unknown>, authorization, at: Date.now() };
    calls.push(call);
    if (method === 'GET' && path.endsWith('/conversations')) return [200, { conversations: options.channels }];
    if (method === 'GET' && path.endsWith('/pagedmembers')) return [200, { members: options.people.map(member) }];
    if (method === 'GET') {
      const id = path.split('/').at(-1);
      const person = options.people.find((p) => p.teams.id === id || p.teams.aadObjectId === id);
      return person ? [200, member(person)] : [404, { error: { code: 'NotFound', message: 'no such member' } }];
    }
    if (method === 'POST' && path === 'v3/conversations') {
      call.id = `a:created-${++n}`;
      return [200, { id: call.id }];
    }
    call.id = `srv-${++n}`;
    return [200, { id: call.id }];
  };
  return { calls, handle };
}

/** The Bot Connector at `serviceUrl`, at the network edge (nock intercepts the connector client in this process). */
export function startFakeConnector(options: ConnectorOptions) {
  const { calls, handle } = connectorLogic(options);
  const base = new URL(options.serviceUrl);
  const record = (method: string) =>
    function (this: { req: { headers: Record<string, string | undefined> } }, uri: string, body: unknown): [number, unknown] {
      const path = decodeURIComponent(uri.slice(base.pathname.length).split('?')[0] ?? '');
      return handle(method, path, body, this.req.headers.authorization);
    };
  nock(base.origin).persist().post(/.*/).reply(record('POST')).put(/.*/).reply(record('PUT')).get(/.*/).reply(record('GET'));
  return { calls };
}

/**
 * The same connector on a real HTTP port, for a Keycard running in another process (the Bot Framework
 * Emulator plays this part in local mode: activities name it as their serviceUrl).
 */
export async function startHttpConnector(options: Omit<ConnectorOptions, 'serviceUrl'>) {
  let serviceUrl = '';
  const logic = connectorLogic({ ...options, serviceUrl: 'http://127.0.0.1/' });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = decodeURIComponent((req.url ?? '/').slice(1).split('?')[0] ?? '');
      const [status, body] = logic.handle(req.method ?? 'GET', path, raw ? JSON.parse(raw) : {}, req.headers.authorization);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    calls: logic.calls,
    serviceUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
