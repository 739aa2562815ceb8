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

/**
 * The Bot Connector at `serviceUrl`, at the network edge (nock intercepts the connector client in this
 * process): answers member lookups, team channel and member lists, creates personal conversations and
 * gives every posted activity an id, recording each call as Teams received it.
 */
export function startFakeConnector(options: {
  serviceUrl: string;
  people: Person[];
  channels: Array<{ id: string; name?: string }>;
  tenantId: string;
}) {
  const calls: ConnectorCall[] = [];
  let n = 0;
  const base = new URL(options.serviceUrl);
  const member = (p: Person) => ({
    id: p.teams.id,
    aadObjectId: p.teams.aadObjectId,
    name: p.email,
    email: p.email,
    userPrincipalName: p.email,
    tenantId: options.tenantId,
  });
  const record = (method: string) =>
    function (this: { req: { headers: Record<string, string | undefined> } }, uri: string, body: unknown): [number, unknown] {
      const path = decodeURIComponent(uri.slice(base.pathname.length).split('?')[0] ?? '');
      const call: ConnectorCall = {
        method,
        path,
        body: (body ?? {}) as Record<string, unknown>,
        authorization: this.req.headers.authorization,
        at: Date.now(),
      };
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
  nock(base.origin).persist().post(/.*/).reply(record('POST')).put(/.*/).reply(record('PUT')).get(/.*/).reply(record('GET'));
  return { calls };
}
