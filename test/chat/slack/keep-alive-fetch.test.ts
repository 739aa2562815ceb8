import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeepAliveFetch } from '../../../src/chat/slack/keep-alive-fetch.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe('the keep-alive fetch the Slack clients use', () => {
  let server: Server;
  let base: string;
  const routes = new Map<string, Handler>();

  beforeAll(async () => {
    // Test files share a worker, and nock (active once any file loaded it) routes node:http through its
    // interceptor, whose sockets are never reused. This file tests connection reuse on node:http itself.
    nock.restore();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => routes.get(req.url ?? '')?.(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    nock.activate();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('posts the body and headers it is given and answers like fetch, over one reused connection', async () => {
    const seen: Array<{ method?: string; auth?: string; type?: string; body: string; port?: number }> = [];
    routes.set('/api/users.info', (req, body, res) => {
      seen.push({
        method: req.method,
        auth: req.headers.authorization,
        type: req.headers['content-type'],
        body,
        port: req.socket.remotePort,
      });
      res
        .writeHead(200, { 'content-type': 'application/json', 'x-oauth-scopes': 'users:read' })
        .end(JSON.stringify({ ok: true, n: seen.length }));
    });
    const fetchFn = createKeepAliveFetch();
    for (const n of [1, 2]) {
      const response = await fetchFn(`${base}/api/users.info`, {
        method: 'POST',
        headers: { Authorization: 'Bearer xoxb-1', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `user=U${n}`,
        redirect: 'error',
      });
      expect(response.status).toBe(200);
      expect(response.ok).toBe(true);
      expect(response.url).toBe(`${base}/api/users.info`);
      expect(response.headers.get('x-oauth-scopes')).toBe('users:read');
      expect(await response.json()).toEqual({ ok: true, n });
    }
    expect(seen.map(({ port: _, ...rest }) => rest)).toEqual([
      { method: 'POST', auth: 'Bearer xoxb-1', type: 'application/x-www-form-urlencoded', body: 'user=U1' },
      { method: 'POST', auth: 'Bearer xoxb-1', type: 'application/x-www-form-urlencoded', body: 'user=U2' },
    ]);
    expect(seen[0]?.port).toBe(seen[1]?.port);
  });

  it('passes error statuses and their text through, and decodes a gzip body', async () => {
    routes.set('/limited', (_req, _body, res) => res.writeHead(429, { 'retry-after': '3' }).end('slow down'));
    routes.set('/gzip', (_req, _body, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('{"ok":true}')));
    routes.set('/empty', (_req, _body, res) => res.writeHead(204).end());
    const fetchFn = createKeepAliveFetch();
    const limited = await fetchFn(`${base}/limited`, { method: 'POST', body: 'x=1' });
    expect([limited.status, limited.headers.get('retry-after'), await limited.text()]).toEqual([429, '3', 'slow down']);
    expect(await (await fetchFn(`${base}/gzip`)).json()).toEqual({ ok: true });
    expect((await fetchFn(`${base}/empty`)).status).toBe(204);
  });

  it('refuses a redirect when asked to, and stops at an aborted signal', async () => {
    routes.set('/moved', (_req, _body, res) => res.writeHead(302, { location: 'https://elsewhere.example/' }).end());
    routes.set('/hang', () => {});
    const fetchFn = createKeepAliveFetch();
    await expect(fetchFn(`${base}/moved`, { method: 'POST', body: 'a=b', redirect: 'error' })).rejects.toThrow(/redirect/);
    await expect(fetchFn(`${base}/hang`, { method: 'POST', body: 'a=b', signal: AbortSignal.timeout(50) })).rejects.toThrow();
  });

  it('hands what it does not handle (a FormData upload) to the fallback fetch', async () => {
    const handed: unknown[] = [];
    const fetchFn = createKeepAliveFetch(async (input) => {
      handed.push(input);
      return new Response('{}');
    });
    const form = new FormData();
    form.set('file', 'content');
    await fetchFn(`${base}/upload`, { method: 'POST', body: form });
    expect(handed).toEqual([`${base}/upload`]);
  });
});
