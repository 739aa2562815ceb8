import { generateKeyPairSync, sign } from 'node:crypto';
import nock from 'nock';
import { APP_ID, PEOPLE, SERVICE_URL, TEAM_CHANNELS } from './fixtures.js';

/**
 * The Bot Framework as seen from Keycard, at the HTTP edge: its OpenID metadata and signing keys (our own
 * RSA key, so tokens can be minted offline), the token endpoint for outbound calls, and a connector that
 * records every call. botbuilder caches the keys process-wide, so each test file uses one key.
 */
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

export function serveBotFrameworkKeys(): void {
  nock('https://login.botframework.com')
    .persist()
    .get('/v1/.well-known/openidconfiguration')
    .reply(200, { issuer: 'https://api.botframework.com', jwks_uri: 'https://login.botframework.com/v1/.well-known/keys' })
    .get('/v1/.well-known/keys')
    .reply(200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'test-kid', use: 'sig', endorsements: ['msteams'] }] });
  nock('https://login.microsoftonline.com')
    .persist()
    .post(/oauth2\/v2\.0\/token/)
    .reply(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'outbound-token' });
}

const b64u = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export type Claims = Record<string, unknown>;

export function goodClaims(): Claims {
  const now = Math.floor(Date.now() / 1000);
  return { iss: 'https://api.botframework.com', aud: APP_ID, serviceurl: SERVICE_URL, nbf: now - 60, exp: now + 3600 };
}

/** A Bot Framework channel token, signed with our key (or with a stranger's key, for a bad signature). */
export function token(claims: Claims = goodClaims(), options: { badSignature?: boolean } = {}): string {
  const head = b64u({ alg: 'RS256', typ: 'JWT', kid: 'test-kid' });
  const body = b64u(claims);
  const key = options.badSignature ? stranger.privateKey : privateKey;
  return `${head}.${body}.${sign('sha256', Buffer.from(`${head}.${body}`), key).toString('base64url')}`;
}

export interface ConnectorCall {
  method: string;
  /** Decoded path below the serviceUrl, e.g. `v3/conversations/19:x@thread.tacv2/activities`. */
  path: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
}

/** The Bot Connector at SERVICE_URL: records calls and answers like Teams does. `failNext` scripts transient errors. */
export function fakeConnector() {
  const calls: ConnectorCall[] = [];
  const failures: number[] = [];
  let n = 0;
  const base = new URL(SERVICE_URL);
  const record = (method: string) =>
    function (this: { req: { headers: Record<string, string | undefined> } }, uri: string, body: unknown): [number, unknown] {
      const path = decodeURIComponent(uri.slice(base.pathname.length).split('?')[0] ?? '');
      calls.push({ method, path, body: (body ?? {}) as Record<string, unknown>, authorization: this.req.headers.authorization });
      const failure = failures.shift();
      if (failure) return [failure, { error: { code: 'Throttled', message: 'slow down' } }];
      if (method === 'GET' && path.endsWith('/conversations')) return [200, { conversations: TEAM_CHANNELS }];
      if (method === 'GET' && path.endsWith('/pagedmembers')) {
        return [200, { members: Object.values(PEOPLE).map((p) => ({ ...p, name: p.email, userPrincipalName: p.email })) }];
      }
      if (method === 'GET') {
        const id = path.split('/').at(-1);
        const person = Object.values(PEOPLE).find((p) => p.id === id);
        return person ? [200, { ...person, name: person.email, userPrincipalName: person.email }] : [404, { error: { code: 'NotFound' } }];
      }
      if (method === 'POST' && path === 'v3/conversations') return [200, { id: `a:created-${++n}` }];
      return [200, { id: `srv-${++n}` }];
    };
  nock(base.origin).persist().post(/.*/).reply(record('POST')).put(/.*/).reply(record('PUT')).get(/.*/).reply(record('GET'));
  return {
    calls,
    failNext(...statuses: number[]) {
      failures.push(...statuses);
    },
    sends: () => calls.filter((c) => c.method === 'POST' && c.path.includes('/activities')),
    clear: () => calls.splice(0),
  };
}
