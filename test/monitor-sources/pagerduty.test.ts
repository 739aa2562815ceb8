import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { combineOnCall, createPolicyOnCall } from '../../src/core/oncall/policy-schedule.js';
import type { Logger } from '../../src/core/ports/runtime.js';
import { createPagerDutyOnCall, type PagerDutyOnCallConfig } from '../../src/oncall/index.js';
import { makePolicy } from '../fixtures/policy.js';
import { createFakeClock } from '../helpers/harness.js';

const API = 'https://api.pagerduty.com';
const TOKEN = 'u+pdTokenXYZ-0123456789';
const oncalls = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/pagerduty-oncalls.json'), 'utf8')) as {
  oncalls: Array<Record<string, unknown>>;
};
/** Tuesday 2026-11-24 10:00 Berlin: Erin (primary, all week) and Carol (secondary, 08–20) are on call. */
const AT = new Date('2026-11-24T09:00:00Z');

function recordingLog() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; message: string | undefined }> = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown> | string, message?: string): void => {
      lines.push(typeof fields === 'string' ? { level, fields: {}, message: fields } : { level, fields, message });
    };
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines, warnings: () => lines.filter((l) => l.level === 'warn') };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('PagerDuty on-call source', () => {
  const clock = createFakeClock(AT);
  const setup = (over: Partial<PagerDutyOnCallConfig> = {}) => {
    clock.set(AT);
    const recorded = recordingLog();
    const source = createPagerDutyOnCall({
      token: TOKEN,
      tokenEnv: 'PAGERDUTY_TOKEN',
      scheduleIds: ['PI7DH85', 'PA1B2C3'],
      clock,
      log: recorded.log,
      ...over,
    });
    return { source, ...recorded };
  };
  const oncallsQuery = (query: Record<string, string | string[]>) =>
    query['schedule_ids[]']?.toString() === 'PI7DH85,PA1B2C3' && query['include[]'] === 'users';

  it('asks /oncalls for the schedules with the v2 headers, and names the schedules someone is on call through', async () => {
    const scope = nock(API, {
      reqheaders: { authorization: `Token token=${TOKEN}`, accept: 'application/vnd.pagerduty+json;version=2' },
    })
      .get('/oncalls')
      .query((q) => oncallsQuery(q as Record<string, string | string[]>) && q.since === '2026-11-24T08:59:00.000Z')
      .reply(200, oncalls);
    const { source } = setup();
    expect(await source.onCallVia('erin@example.com', AT)).toEqual(['pagerduty:SRE primary']);
    expect(await source.onCallVia('Carol@Example.com', AT)).toEqual(['pagerduty:SRE secondary']);
    expect(await source.onCallVia('alice@example.com', AT)).toEqual([]);
    // Ten minutes later the same snapshot answers, without another call.
    expect(await source.onCallVia('carol@example.com', new Date('2026-11-24T09:10:00Z'))).toEqual(['pagerduty:SRE secondary']);
    expect(scope.isDone()).toBe(true);
  });

  it('caches answers for the TTL, shares a request between concurrent lookups, and asks again after', async () => {
    const scope = nock(API).get('/oncalls').query(true).times(2).reply(200, oncalls);
    const { source } = setup({ cacheTtlMs: 60_000 });
    const [a, b] = await Promise.all([source.onCallVia('erin@example.com', AT), source.onCallVia('carol@example.com', AT)]);
    expect([a, b]).toEqual([['pagerduty:SRE primary'], ['pagerduty:SRE secondary']]);
    clock.advance(30_000);
    await source.onCallVia('erin@example.com', clock.now());
    expect(scope.pendingMocks()).toHaveLength(1);
    clock.advance(31_000);
    await source.onCallVia('erin@example.com', clock.now());
    expect(scope.isDone()).toBe(true);
  });

  it('follows pagination and looks up emails of users that came back as references', async () => {
    const [first, second] = oncalls.oncalls;
    const page2 = {
      ...oncalls,
      offset: 100,
      more: false,
      oncalls: [{ ...second, user: { id: 'PAM4FGS', type: 'user_reference', summary: 'Carol Example', self: `${API}/users/PAM4FGS` } }],
    };
    nock(API)
      .get('/oncalls')
      .query((q) => q.offset === '0')
      .reply(200, { ...oncalls, oncalls: [first], more: true })
      .get('/oncalls')
      .query((q) => q.offset === '100')
      .reply(200, page2)
      .get('/users/PAM4FGS')
      .reply(200, { user: { id: 'PAM4FGS', type: 'user', name: 'Carol Example', email: 'carol@example.com' } });
    const { source } = setup();
    expect(await source.onCallVia('carol@example.com', AT)).toEqual(['pagerduty:SRE secondary']);
    expect(await source.onCallVia('erin@example.com', AT)).toEqual(['pagerduty:SRE primary']);
    expect(nock.isDone()).toBe(true);
  });

  it('honours shift boundaries', async () => {
    const scope = nock(API).get('/oncalls').query(true).reply(200, oncalls);
    const { source } = setup();
    const evening = new Date('2026-11-24T19:30:00Z'); // 20:30 Berlin, after Carol's shift
    expect(await source.onCallVia('carol@example.com', evening)).toEqual([]);
    expect(await source.onCallVia('erin@example.com', evening)).toEqual(['pagerduty:SRE primary']);
    expect(scope.isDone()).toBe(true);
  });

  it('maps 401 to [] and a warning naming the token variable, never the token, and backs off', async () => {
    const scope = nock(API)
      .get('/oncalls')
      .query(true)
      .reply(401, { error: { message: 'Unauthorized', code: 2006 } });
    const { source, warnings, lines } = setup();
    expect(await source.onCallVia('erin@example.com', AT)).toEqual([]);
    expect(scope.isDone()).toBe(true);
    expect(warnings()).toHaveLength(1);
    expect(String(warnings()[0]!.fields.err)).toMatch(/rejected the API token \(401\); set PAGERDUTY_TOKEN/);
    expect(warnings()[0]!.fields.code).toBe('auth_failed');
    // Within the backoff nothing is sent (net connect is disabled: a request would fail loudly as a second warning).
    clock.advance(60_000);
    expect(await source.onCallVia('erin@example.com', clock.now())).toEqual([]);
    expect(warnings()).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it('backs off on 429 for Retry-After, then asks again', async () => {
    nock(API)
      .get('/oncalls')
      .query(true)
      .reply(429, { error: { message: 'Rate Limit Exceeded', code: 2020 } }, { 'retry-after': '30' });
    const { source, warnings } = setup();
    expect(await source.onCallVia('erin@example.com', AT)).toEqual([]);
    expect(warnings()[0]!.fields).toMatchObject({ code: 'rate_limited', retryInMs: 30_000 });
    clock.advance(20_000);
    expect(await source.onCallVia('erin@example.com', clock.now())).toEqual([]);
    clock.advance(11_000);
    nock(API).get('/oncalls').query(true).reply(200, oncalls);
    expect(await source.onCallVia('erin@example.com', clock.now())).toEqual(['pagerduty:SRE primary']);
  });

  it('answers from the last snapshot during an outage, and [] on network errors without one', async () => {
    nock(API).get('/oncalls').query(true).reply(200, oncalls);
    const { source, warnings } = setup({ cacheTtlMs: 60_000 });
    expect(await source.onCallVia('erin@example.com', AT)).toEqual(['pagerduty:SRE primary']);
    clock.advance(120_000);
    nock(API).get('/oncalls').query(true).reply(503, 'Service Unavailable');
    expect(await source.onCallVia('erin@example.com', clock.now())).toEqual(['pagerduty:SRE primary']);
    expect(warnings()[0]!.fields).toMatchObject({ code: 'unavailable' });

    const fresh = setup();
    nock(API).get('/oncalls').query(true).replyWithError('getaddrinfo ENOTFOUND api.pagerduty.com');
    expect(await fresh.source.onCallVia('erin@example.com', AT)).toEqual([]);
    expect(fresh.warnings()[0]!.fields).toMatchObject({ code: 'unavailable', err: 'PagerDuty /oncalls: network error' });
  });

  it('uses the EU API URL when configured, and sits beside the policy rotations', async () => {
    nock('https://api.eu.pagerduty.com').get('/oncalls').query(true).reply(200, oncalls);
    const { source } = setup({ apiUrl: 'https://api.eu.pagerduty.com' });
    const policy = makePolicy({
      onCall: { rotations: { dba: { members: ['erin@example.com'], start: '2026-11-23T00:00:00Z', shift: '7d' } } },
    });
    const combined = combineOnCall([createPolicyOnCall(() => policy), source], () => {});
    expect(await combined.onCallVia('erin@example.com', AT)).toEqual(['dba', 'pagerduty:SRE primary']);
  });
});
