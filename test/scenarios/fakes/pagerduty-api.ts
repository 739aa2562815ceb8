import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePagerDutyApi {
  apiUrl: string;
  /** Every request: method and path with its query. */
  calls: string[];
  close(): Promise<void>;
}

/**
 * PagerDuty's REST API v2 as Keycard reads it, for an account with no incidents and nobody on call in its
 * schedules: GET /oncalls answers an empty page, GET /incidents/{number} 404 "Incident Not Found" (PagerDuty's
 * error body), anything else 404 too. A wrong token gets 401, as PagerDuty answers it.
 */
export async function startFakePagerDutyApi(token: string): Promise<FakePagerDutyApi> {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    calls.push(`${req.method} ${url}`);
    const reply = (status: number, body: unknown) => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Token token=${token}`) return reply(401, { error: { message: 'Unauthorized', code: 2006 } });
    const path = url.split('?')[0]!;
    if (req.method === 'GET' && path === '/oncalls') return reply(200, { oncalls: [], limit: 100, offset: 0, more: false });
    if (req.method === 'GET' && /^\/incidents\/[^/]+$/.test(path))
      return reply(404, { error: { message: 'Incident Not Found', code: 2100 } });
    return reply(404, { error: { message: 'Not Found', code: 2100 } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
