import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderGrantInput } from '../../../src/core/ports/provider.js';
import { ProviderError } from '../../../src/core/ports/provider.js';
import { silentLogger } from '../../../src/core/ports/runtime.js';
import { createWebhookProvider, verifyWebhookSignature, webhookSchemas } from '../../../src/providers/webhook/index.js';
import { runProviderContract } from '../contract.js';
import { type FakeReceiver, startFakeReceiver } from './fake-receiver.js';

const SECRET = 'whsec_test_0123456789';
const clock = { now: () => new Date() };

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
});
afterAll(() => {
  nock.enableNetConnect();
});

runProviderContract(
  'webhook',
  async () => {
    const receiver = await startFakeReceiver(SECRET);
    const resourceConfig = { url: receiver.url };
    return {
      provider: createWebhookProvider({ log: silentLogger, clock }, { sleep: async () => {} }),
      input: {
        requester: 'dan@example.com',
        resource: 'billing',
        level: 'admin',
        levelConfig: { group: 'billing-admins' },
        resourceConfig,
        connection: SECRET,
      },
      listInput: { resource: 'billing', resourceConfig, levels: { admin: { group: 'billing-admins' } }, connection: SECRET },
      teardown: () => receiver.close(),
    };
  },
  { schemas: webhookSchemas, validLevelConfig: { group: 'ops', ttl: 3, tags: ['a'] }, invalidLevelConfig: { 'bad key!': 1 } },
);

describe('webhook provider', () => {
  let receiver: FakeReceiver;
  const sleeps: number[] = [];
  const provider = createWebhookProvider({ log: silentLogger, clock }, { sleep: async (ms) => void sleeps.push(ms) });

  beforeEach(async () => {
    receiver = await startFakeReceiver(SECRET);
    sleeps.length = 0;
  });
  afterEach(async () => {
    await receiver.close();
  });

  const input = (config: Record<string, unknown> = {}, connection: string | undefined = SECRET): ProviderGrantInput => ({
    grantId: 'KC-42',
    requester: 'erin@example.com',
    resource: 'billing',
    level: 'read',
    levelConfig: { group: 'readers' },
    resourceConfig: { url: receiver.url, ...config },
    connection,
    expiresAt: new Date('2030-01-01T12:00:00Z'),
    now: new Date('2030-01-01T11:00:00Z'),
  });
  const failure = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  };

  it('signs each request so the receiver can verify it, and never sends the secret', async () => {
    const outcome = await provider.grant(input());
    expect(outcome.ref).toEqual({ account: 'svc-kc-42' });
    const [req] = receiver.requests;
    expect(req?.verified).toBe(true);
    expect(req?.headers['x-keycard-action']).toBe('grant');
    expect(req?.body).toEqual({
      action: 'grant',
      grantId: 'KC-42',
      requester: 'erin@example.com',
      resource: 'billing',
      level: 'read',
      levelConfig: { group: 'readers' },
      expiresAt: '2030-01-01T12:00:00.000Z',
      requestedAt: '2030-01-01T11:00:00.000Z',
    });
    expect(JSON.stringify(req)).not.toContain(SECRET);
    const raw = JSON.stringify(req?.body);
    const headers = { timestamp: String(req?.headers['x-keycard-timestamp']), signature: String(req?.headers['x-keycard-signature']) };
    const nowSec = Math.floor(Date.now() / 1000);
    expect(verifyWebhookSignature({ secret: SECRET, body: raw, ...headers, nowSec })).toBe(true);
    expect(verifyWebhookSignature({ secret: 'other', body: raw, ...headers, nowSec })).toBe(false);
    expect(verifyWebhookSignature({ secret: SECRET, body: `${raw} `, ...headers, nowSec })).toBe(false);
    expect(verifyWebhookSignature({ secret: SECRET, body: raw, ...headers, nowSec: nowSec + 301 })).toBe(false);
  });

  it('maps a receiver that rejects the signature (wrong secret) to auth_failed', async () => {
    const err = await failure(provider.grant(input({}, 'wrong-secret')));
    expect(err.code).toBe('auth_failed');
    expect(err.message).toContain('HTTP 401');
    expect(err.message).not.toContain('wrong-secret');
  });

  it('retries 500s with backoff and the same delivery id, then succeeds', async () => {
    receiver.script = [{ status: 500 }, { status: 503, body: { error: 'busy' } }];
    const outcome = await provider.grant(input());
    expect(outcome.credential?.secret).toMatch(/^tok-/);
    expect(receiver.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(new Set(receiver.requests.map((r) => r.headers['x-keycard-delivery'])).size).toBe(1);
    expect(receiver.requests.every((r) => r.verified)).toBe(true);
  });

  it('extends with a signed extend call carrying the new expiry, retrying 5xx like the other calls', async () => {
    await provider.grant(input());
    receiver.script = [{ status: 502 }];
    const later = new Date('2030-01-01T13:30:00Z');
    await provider.extend({ ...input(), ref: { account: 'svc-kc-42' }, expiresAt: later });
    const calls = receiver.requests.filter((r) => r.headers['x-keycard-action'] === 'extend');
    expect(calls).toHaveLength(2);
    expect(calls.every((r) => r.verified)).toBe(true);
    expect(calls[1]?.body).toMatchObject({
      action: 'extend',
      grantId: 'KC-42',
      ref: { account: 'svc-kc-42' },
      expiresAt: later.toISOString(),
    });
    const listed = await provider.list({ resource: 'billing', resourceConfig: { url: receiver.url }, levels: {}, connection: SECRET });
    expect(listed.find((g) => g.grantId === 'KC-42')?.expiresAt?.toISOString()).toBe(later.toISOString());
  });

  it('a receiver without extend (501) makes extend unsupported, and a gone grant (404) not_found', async () => {
    receiver.script = [{ status: 501, body: { error: 'not implemented' } }];
    const unsupported = await failure(provider.extend({ ...input(), ref: null, expiresAt: new Date('2030-01-01T13:00:00Z') }));
    expect(unsupported).toMatchObject({ code: 'unsupported', retryable: false });
    expect(unsupported.message).toContain('does not implement extend');
    expect(receiver.requests).toHaveLength(1);
    const gone = await failure(provider.extend({ ...input(), grantId: 'KC-404', ref: null, expiresAt: new Date('2030-01-01T13:00:00Z') }));
    expect(gone.code).toBe('not_found');
  });

  it('gives up after the configured retries with unavailable', async () => {
    receiver.script = [{ status: 500 }, { status: 500 }];
    const err = await failure(provider.revoke({ ...input({ retries: 1 }), ref: null }));
    expect(err.code).toBe('unavailable');
    expect(err.retryable).toBe(true);
    expect(receiver.requests).toHaveLength(2);
  });

  it.each([
    [400, 'invalid_config'],
    [401, 'auth_failed'],
    [403, 'auth_failed'],
    [404, 'not_found'],
    [409, 'conflict'],
    [422, 'invalid_config'],
  ] as const)('maps HTTP %i on grant to %s without retrying', async (status, code) => {
    receiver.script = [{ status, body: { error: 'nope' } }];
    const err = await failure(provider.grant(input()));
    expect(err.code).toBe(code);
    expect(err.message).toContain(`HTTP ${status}`);
    expect(receiver.requests).toHaveLength(1);
  });

  it('honours Retry-After on 429, and reports rate_limited when out of retries', async () => {
    receiver.script = [{ status: 429, headers: { 'retry-after': '2' } }];
    await provider.grant(input());
    expect(sleeps).toEqual([2000]);
    receiver.script = [{ status: 429, headers: { 'retry-after': '1' } }];
    const err = await failure(provider.grant(input({ retries: 0 })));
    expect(err.code).toBe('rate_limited');
    expect(err.message).toContain('retry after 1 s');
  });

  it('treats 404 and 410 on revoke as already gone', async () => {
    await expect(provider.revoke({ ...input(), ref: null })).resolves.toBeUndefined();
    receiver.script = [{ status: 410 }];
    await expect(provider.revoke({ ...input(), ref: null })).resolves.toBeUndefined();
  });

  it('times out a slow receiver as unavailable', async () => {
    receiver.script = [{ status: 200, body: {}, delayMs: 1_000 }];
    const err = await failure(provider.grant(input({ timeoutMs: 100, retries: 0 })));
    expect(err.code).toBe('unavailable');
    expect(err.message).toContain('no answer within 100 ms');
  });

  it('maps a closed port to unavailable and keeps the URL query out of messages', async () => {
    const err = await failure(provider.grant(input({ url: 'http://127.0.0.1:1/hook?token=abc', retries: 0 })));
    expect(err.code).toBe('unavailable');
    expect(err.message).toContain('http://127.0.0.1:1/hook');
    expect(err.message).not.toContain('token=abc');
  });

  it('refuses redirects, invalid responses and missing configuration', async () => {
    receiver.script = [{ status: 302, headers: { location: 'http://127.0.0.1:1/' } }];
    expect((await failure(provider.grant(input()))).code).toBe('invalid_config');
    receiver.script = [{ status: 200, body: { credential: { summary: 'x' } } }];
    const invalid = await failure(provider.grant(input()));
    expect(invalid.code).toBe('unknown');
    expect(invalid.retryable).toBe(false);
    expect((await failure(provider.grant({ ...input(), connection: undefined }))).code).toBe('invalid_config');
    expect((await failure(provider.grant(input({ url: 'https://u:p@hooks.example.com/' })))).message).toMatch(
      /must not contain credentials/,
    );
    expect((await failure(provider.grant(input({ url: 'ftp://127.0.0.1/x' })))).code).toBe('invalid_config');
    expect(webhookSchemas.resourceConfig.safeParse({}).success).toBe(false);
    expect(webhookSchemas.resourceConfig.parse({ url: 'https://hooks.example.com/k' })).toEqual({
      url: 'https://hooks.example.com/k',
      timeoutMs: 10_000,
      retries: 2,
    });
  });

  it('drops a ref that echoes the credential secret', async () => {
    receiver.script = [{ status: 200, body: { ref: { token: 's3cr3t-value' }, credential: { summary: 'token', secret: 's3cr3t-value' } } }];
    const outcome = await provider.grant(input());
    expect(outcome.ref).toEqual({});
    expect(outcome.credential?.secret).toBe('s3cr3t-value');
  });
});
