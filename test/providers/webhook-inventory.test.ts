import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createWebhookProvider, verifyWebhookSignature } from '../../src/providers/webhook/index.js';

const SECRET = 'whsec_test_0123456789';
const clock = { now: () => new Date() };
const input = {
  resource: 'billing',
  resourceConfig: { url: 'https://access.example.test/keycard', retries: 0 },
  levels: { admin: { group: 'billing-admins' } },
  connection: SECRET,
};

/** A receiver as a fetch function: it checks the signature like a real one would, then answers. */
function receiver(status: number, body: unknown) {
  const seen: Array<Record<string, unknown>> = [];
  const fetch: typeof globalThis.fetch = async (_url, init) => {
    const raw = String(init?.body ?? '');
    const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>));
    const signed = verifyWebhookSignature({
      secret: SECRET,
      body: raw,
      timestamp: headers['X-Keycard-Timestamp'],
      signature: headers['X-Keycard-Signature'],
      nowSec: Math.floor(Date.now() / 1000),
    });
    if (!signed) return new Response('bad signature', { status: 401 });
    seen.push({ action: headers['x-keycard-action'], ...(JSON.parse(raw) as Record<string, unknown>) });
    return new Response(body === undefined ? '' : JSON.stringify(body), { status });
  };
  return { seen, provider: createWebhookProvider({ log: silentLogger, clock }, { fetch, sleep: async () => {} }) };
}

describe('webhook inventory (the optional call of the contract)', () => {
  it('sends a signed inventory call and returns what the receiver reports', async () => {
    const standing = [
      { level: 'admin', principal: 'dave@example.com', via: 'member of billing-admins (LDAP)', kind: 'user' },
      { level: 'admin', principal: 'finance-bots', via: 'API key' },
    ];
    const { seen, provider } = receiver(200, { standing });
    expect(await provider.inventory!(input)).toEqual(standing);
    expect(seen).toEqual([{ action: 'inventory', resource: 'billing', levels: input.levels }]);
  });

  it('treats 404 as "not supported", not as a failure', async () => {
    const { provider } = receiver(404, { error: 'no such action' });
    await expect(provider.inventory!(input)).rejects.toMatchObject({ code: 'unsupported', retryable: false });
  });

  it('refuses a malformed answer', async () => {
    const { provider } = receiver(200, { standing: [{ level: 'admin' }] });
    await expect(provider.inventory!(input)).rejects.toMatchObject({
      code: 'unknown',
      message: expect.stringContaining('invalid inventory response'),
    });
  });
});
