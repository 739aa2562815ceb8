import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createActivityRoutes, signActivityBody } from '../../src/monitor/index.js';
import { signWebhookBody } from '../../src/providers/webhook/sign.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { type Served, serveActivityRoutes, signedHeaders } from './serve-routes.js';

describe('signed activity ingest (/activity)', () => {
  let h: Harness;
  let served: Served;
  afterEach(async () => {
    await served?.close();
    await h?.close();
  });

  const nowSec = () => Math.floor(h.clock.now().getTime() / 1000);
  const post = (body: string, headers: Record<string, string>, method = 'POST') =>
    fetch(`${served.url}/activity`, { method, headers, ...(method === 'GET' ? {} : { body }) });
  const postSigned = (payload: unknown) => {
    const body = JSON.stringify(payload);
    return post(body, signedHeaders(body, nowSec()));
  };
  const grantId = async (n: number) => (await h.deps.store.getRequestByNumber(n))!.id;
  const storedActivity = async (n = 1) => h.deps.store.listActivity(await grantId(n), 50);
  const anomalies = () => h.chat.events.filter((e) => e.type === 'anomaly');

  async function start() {
    h = await createHarness('pglite');
    served = await serveActivityRoutes(h.deps);
    const run = (actor: string, text: string) => handleCommand(h.deps, { actor, text, origin: { platform: 'console' } });
    await run('alice@example.com', '/access demo-db 30m write fix stuck order INC-42');
    await run('bob@example.com', 'approve KC-1');
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('active');
  }

  it('accepts a signed event, stores it and alerts on DELETE without WHERE (202)', async () => {
    await start();
    const res = await postSigned({
      at: h.clock.now().toISOString(),
      grant: 'KC-1',
      statement: 'DELETE FROM t',
      sourceAddress: '10.0.0.5',
      details: { database: 'orders', pgaudit: 'SESSION,1,1,WRITE,DELETE' },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      recorded: 1,
      results: [{ index: 0, ok: true, grant: 'KC-1', findings: 1, alerted: ['destructive-sql'], autoRevoked: false }],
    });
    const stored = await storedActivity();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ source: 'ingest', statement: 'DELETE FROM t', sourceAddress: '10.0.0.5' });
    expect(
      anomalies()
        .map((e) => e.type === 'anomaly' && e.to)
        .sort(),
    ).toEqual(['alice@example.com', 'bob@example.com', 'dave@example.com']);
    const toBob = anomalies().find((e) => e.type === 'anomaly' && e.to === 'bob@example.com');
    expect(toBob).toMatchObject({ alert: { detector: 'destructive-sql', actions: ['revoke', 'acknowledge'] } });
  });

  it('maps an event by principal (the requester’s email) as well as by grant id', async () => {
    await start();
    const res = await postSigned({
      at: h.clock.now().toISOString(),
      principal: 'Alice@example.com',
      resource: 'demo-db',
      statement: 'SELECT 1',
    });
    expect(res.status).toBe(202);
    expect(await storedActivity()).toHaveLength(1);
  });

  it.each([
    ['a wrong signature', (body: string, at: number) => ({ ...signedHeaders(body, at), 'x-keycard-signature': `v1=${'0'.repeat(64)}` })],
    ['another secret', (body: string, at: number) => signedHeaders(body, at, 'some-other-secret-of-enough-length')],
    ['a body changed after signing', (body: string, at: number) => signedHeaders(body.replace('KC-1', 'KC-2'), at)],
    ['a stale timestamp (301 s old)', (body: string, at: number) => signedHeaders(body, at - 301)],
    ['a future timestamp (301 s ahead)', (body: string, at: number) => signedHeaders(body, at + 301)],
    ['a timestamp in milliseconds', (body: string, at: number) => signedHeaders(body, at * 1000)],
    ['no signature header', (body: string, at: number) => ({ 'x-keycard-timestamp': signedHeaders(body, at)['x-keycard-timestamp']! })],
    ['no timestamp header', (body: string, at: number) => ({ 'x-keycard-signature': signedHeaders(body, at)['x-keycard-signature']! })],
    ['no headers at all', () => ({})],
  ])('rejects %s with 401 and stores nothing', async (_name, headersFor) => {
    await start();
    const body = JSON.stringify({ at: h.clock.now().toISOString(), grant: 'KC-1', statement: 'DROP TABLE orders' });
    const res = await post(body, headersFor(body, nowSec()));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'unauthorized' });
    expect(await storedActivity()).toEqual([]);
    expect(anomalies()).toEqual([]);
  });

  it('accepts a timestamp just inside the window either way', async () => {
    await start();
    for (const skew of [-299, 299]) {
      // Different bodies: the same body twice is one event (its hash is the idempotency key).
      const body = JSON.stringify({ at: h.clock.now().toISOString(), grant: 'KC-1', statement: `SELECT ${skew}` });
      expect((await post(body, signedHeaders(body, nowSec() + skew))).status).toBe(202);
    }
  });

  it.each([
    ['malformed JSON', '{"at": "2026-11-24T09:00:00Z", "grant": "KC-1",', /body: is not valid JSON/],
    ['a missing time', JSON.stringify({ grant: 'KC-1' }), /^at: is required$/],
    ['a time without zone', JSON.stringify({ at: '2026-11-24 09:00', grant: 'KC-1' }), /^at: must be an ISO 8601 time/],
    ['neither grant nor principal', JSON.stringify({ at: '2026-11-24T09:00:00Z', statement: 'SELECT 1' }), /needs "grant"/],
    ['a bad grant id', JSON.stringify({ at: '2026-11-24T09:00:00Z', grant: '12' }), /^grant: must be a Keycard grant id/],
    ['a misspelt field', JSON.stringify({ at: '2026-11-24T09:00:00Z', grant: 'KC-1', statment: 'x' }), /unknown field "statment"/],
    ['a negative volume', JSON.stringify({ at: '2026-11-24T09:00:00Z', grant: 'KC-1', volume: -1 }), /^volume: must be zero or more$/],
    ['a string volume', JSON.stringify({ at: '2026-11-24T09:00:00Z', grant: 'KC-1', volume: '10' }), /^volume: must be a number$/],
    ['an array body', JSON.stringify([{ at: '2026-11-24T09:00:00Z', grant: 'KC-1' }]), /^body: must be one event object/],
    ['an empty batch', JSON.stringify({ events: [] }), /^events: must hold at least one event$/],
    [
      'a bad event inside a batch',
      JSON.stringify({ events: [{ at: '2026-11-24T09:00:00Z', grant: 'KC-1' }, { grant: 'KC-1' }] }),
      /^events\[1\]\.at: is required$/,
    ],
    [
      'too many events',
      JSON.stringify({ events: Array.from({ length: 501 }, () => ({ at: '2026-11-24T09:00:00Z', grant: 'KC-1' })) }),
      /at most 500/,
    ],
  ])('rejects %s with 400 naming the field, and stores nothing', async (_name, body, issue) => {
    await start();
    const res = await post(body, signedHeaders(body, nowSec()));
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { issues: string[] };
    expect(answer.issues.some((i) => issue.test(i))).toBe(true);
    expect(await storedActivity()).toEqual([]);
  });

  it('answers 404 when no event matches a grant, storing nothing', async () => {
    await start();
    const res = await postSigned({
      events: [
        { at: h.clock.now().toISOString(), grant: 'KC-77' },
        { at: h.clock.now().toISOString(), principal: 'nobody@example.com' },
      ],
    });
    expect(res.status).toBe(404);
    const answer = (await res.json()) as { results: Array<{ ok: boolean; error?: string }> };
    expect(answer.results.map((r) => r.error)).toEqual(['unknown_grant', 'unknown_grant']);
    expect(await storedActivity()).toEqual([]);
  });

  it('reports per-event results for a batch with known and unknown grants (202)', async () => {
    await start();
    const at = h.clock.now().toISOString();
    const res = await postSigned({
      events: [
        { at, grant: 'KC-1', statement: 'SELECT * FROM orders WHERE id = 1', volume: 1 },
        { at, grant: 'KC-99', statement: 'DROP TABLE orders' },
        { at, grant: 'kc-1', verb: 'delete', target: 'deployments', namespace: 'payments' },
      ],
    });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { recorded: number; results: Array<Record<string, unknown>> };
    expect(answer.recorded).toBe(2);
    expect(answer.results).toMatchObject([
      { index: 0, ok: true, grant: 'KC-1', findings: 0, alerted: [] },
      { index: 1, ok: false, error: 'unknown_grant' },
      { index: 2, ok: true, grant: 'KC-1', alerted: ['k8s-sensitive'] },
    ]);
    expect(await storedActivity()).toHaveLength(2);
  });

  it('answers 405 to anything but POST and 413 to an oversized body', async () => {
    await start();
    const get = await post('', {}, 'GET');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const huge = JSON.stringify({ at: h.clock.now().toISOString(), grant: 'KC-1', details: { blob: 'x'.repeat(1_100_000) } });
    const res = await post(huge, signedHeaders(huge, nowSec()));
    expect(res.status).toBe(413);
    expect(await storedActivity()).toEqual([]);
  });
});

describe('activity routes setup', () => {
  it('refuses a short secret when the routes are created', () => {
    expect(() =>
      createActivityRoutes({
        deps: () => {
          throw new Error('not used');
        },
        secret: 'short',
        log: silentLogger,
      }),
    ).toThrow(/at least 16 characters/);
  });

  it('signs exactly like the webhook provider (one recipe for every Keycard HMAC)', () => {
    const body = '{"at":"2026-11-24T09:00:00Z","grant":"KC-1"}';
    expect(signActivityBody('s3cret-s3cret-s3cret', 1_795_000_000, body)).toBe(
      signWebhookBody('s3cret-s3cret-s3cret', 1_795_000_000, body),
    );
  });
});
