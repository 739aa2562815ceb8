import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface Scripted {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
}

export interface FakeReceiver {
  url: string;
  requests: Array<{ headers: IncomingHttpHeaders; body: Record<string, unknown>; verified: boolean }>;
  /** Answers to give before normal handling resumes, one per request. */
  script: Scripted[];
  close(): Promise<void>;
}

/** The receiver's side of the README recipe, written independently of the provider's own code. */
function verify(secret: string, headers: IncomingHttpHeaders, raw: string): boolean {
  const ts = String(headers['x-keycard-timestamp'] ?? '');
  const given = Buffer.from(String(headers['x-keycard-signature'] ?? ''));
  if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`v1:${ts}:${raw}`).digest('hex')}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A webhook receiver on 127.0.0.1 that checks signatures and keeps grants per resource in memory. */
export async function startFakeReceiver(secret: string): Promise<FakeReceiver> {
  const grants = new Map<string, { grantId: string; principal: string; expiresAt: string; resource: string }>();
  const receiver: Omit<FakeReceiver, 'url' | 'close'> = { requests: [], script: [] };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      const verified = verify(secret, req.headers, raw);
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      receiver.requests.push({ headers: req.headers, body, verified });
      const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      const scripted = receiver.script.shift();
      if (scripted) {
        setTimeout(() => send(scripted.status, scripted.body, scripted.headers), scripted.delayMs ?? 0);
        return;
      }
      if (!verified) return send(401, { error: 'bad signature' });
      const grantId = String(body.grantId ?? '');
      if (body.action === 'grant') {
        const principal = `svc-${grantId.toLowerCase()}`;
        grants.set(grantId, { grantId, principal, expiresAt: String(body.expiresAt), resource: String(body.resource) });
        const secretValue = `tok-${Math.random().toString(36).slice(2)}-${Date.now()}`;
        return send(200, {
          ref: { account: principal },
          credential: { summary: `token for ${principal}`, secret: secretValue, fields: { principal } },
        });
      }
      if (body.action === 'revoke') return grants.delete(grantId) ? send(204) : send(404, { error: 'no such grant' });
      if (body.action === 'extend') {
        const grant = grants.get(grantId);
        if (!grant) return send(404, { error: 'no such grant' });
        grant.expiresAt = String(body.expiresAt);
        return send(204);
      }
      if (body.action === 'list') {
        const list = [...grants.values()].filter((g) => g.resource === body.resource);
        return send(200, {
          grants: list.map(({ grantId: id, principal, expiresAt }) => ({ grantId: id, principal, expiresAt, ref: { account: principal } })),
        });
      }
      return send(400, { error: 'unknown action' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    ...receiver,
    get requests() {
      return receiver.requests;
    },
    get script() {
      return receiver.script;
    },
    set script(value) {
      receiver.script = value;
    },
    url: `http://127.0.0.1:${port}/keycard/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
