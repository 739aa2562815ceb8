import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../src/core/lifecycle/deps.js';
import { responderOf } from '../../src/core/lifecycle/incident-responder.js';
import { KNOWN_INCIDENT, NO_SUCH_INCIDENT } from '../../src/core/ports/incident-responders.js';
import {
  createPagerDutyIncidentResponders,
  DEFAULT_INCIDENT_NUMBER,
  incidentNumberOf,
  PagerDutyError,
  type PagerDutyIncidentRespondersConfig,
} from '../../src/oncall/index.js';
import { makePolicy } from '../fixtures/policy.js';
import { createFakeClock } from '../helpers/harness.js';

const API = 'https://api.pagerduty.com';
const TOKEN = 'u+pdTokenXYZ-0123456789';
const INCIDENT_ID = 'Q2ZL5S1YOBQ0XP';
const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')) as Record<string, unknown>;
/** #4211: assigned to Erin (who acknowledged it), Frank joined as a responder, Gina's request is pending. */
const incident = fixture('pagerduty-incident.json');
/** Its log: assigned to Bob first, acknowledged by Carol, a note by Dave, reassigned to Erin. */
const log = fixture('pagerduty-log-entries.json');
const AT = new Date('2026-11-24T09:00:00Z');
const USERS: Record<string, string> = {
  PBOB123: 'bob@example.com',
  PCAROL9: 'Carol@Example.com',
  PFRANK7: 'frank@example.com',
  PALICE1: 'alice@example.com',
  PGINA55: 'gina@example.com',
  PDAVE44: 'dave@example.com',
};
/** The user ids looked up with GET /users/{id}, in order. */
const usersAsked: string[] = [];

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  usersAsked.length = 0;
});
afterAll(() => nock.enableNetConnect());

/** GET /incidents/4211 as Keycard asks for it: assignees and acknowledgers expanded. */
const getIncident = (number = '4211') =>
  nock(API)
    .get(`/incidents/${number}`)
    .query((q) => String(q['include[]']) === 'assignees,acknowledgers');
const getLog = (offset = 0) =>
  nock(API)
    .get(`/incidents/${INCIDENT_ID}/log_entries`)
    .query((q) => q.limit === '100' && q.offset === String(offset));
const getUsers = () =>
  nock(API)
    .get(/^\/users\/P[A-Z0-9]+$/)
    .reply((uri) => {
      const id = uri.split('/').at(-1)!;
      usersAsked.push(id);
      return USERS[id] ? [200, { user: { id, type: 'user', name: id, email: USERS[id] } }] : [404, { error: { message: 'Not Found' } }];
    })
    .persist();

describe('PagerDuty incident responders', () => {
  const clock = createFakeClock(AT);
  const setup = (over: Partial<PagerDutyIncidentRespondersConfig> = {}) => {
    clock.set(AT);
    return createPagerDutyIncidentResponders({ token: TOKEN, tokenEnv: 'PAGERDUTY_TOKEN', clock, ...over });
  };

  it('maps an incident key to an incident number: the last digits, or the policy pattern', () => {
    expect(incidentNumberOf('INC-4211')).toBe('4211');
    expect(incidentNumberOf('SEV1-4211')).toBe('4211');
    expect(incidentNumberOf('INC-0042')).toBe('42');
    expect(incidentNumberOf('INC-')).toBeUndefined();
    expect(incidentNumberOf('INC-0')).toBeUndefined();
    expect(incidentNumberOf('PD-77/2026', 'PD-([0-9]+)')).toBe('77');
    expect(incidentNumberOf('INC-4211', 'PD-([0-9]+)')).toBeUndefined();
    const policy = makePolicy({ onCall: { pagerduty: { tokenEnv: 'PAGERDUTY_TOKEN', scheduleIds: ['PI7DH85'] } } });
    // Asking PagerDuty about incidents is opt-in: keys from another tool would name unrelated incidents.
    expect(policy.onCall.pagerduty?.incidentNumber).toBe('off');
    expect(DEFAULT_INCIDENT_NUMBER).toBe('([0-9]+)[^0-9]*$');
    expect(() => makePolicy({ onCall: { pagerduty: { tokenEnv: 'T', scheduleIds: ['P1'], incidentNumber: 'off' } } })).not.toThrow();
    expect(() => makePolicy({ onCall: { pagerduty: { tokenEnv: 'T', scheduleIds: ['P1'], incidentNumber: '([0-9' } } })).toThrow(
      /not a valid regular expression/,
    );
  });

  it('names the assignee a responder, from GET /incidents/{number} with the v2 headers, emails compared case-insensitively', async () => {
    const scope = nock(API, {
      reqheaders: { authorization: `Token token=${TOKEN}`, accept: 'application/vnd.pagerduty+json;version=2' },
    })
      .get('/incidents/4211')
      .query(true)
      .reply(200, incident)
      .get(`/incidents/${INCIDENT_ID}/log_entries`)
      .query(true)
      .reply(200, log);
    getUsers();
    const source = setup();
    expect(await source.isResponder('ERIN@example.com', 'INC-4211', AT)).toBe(true);
    expect(scope.isDone()).toBe(true);
  });

  it('names who the log shows assigned or acknowledging, and joined responders; not note writers or pending requests', async () => {
    getIncident().reply(200, incident);
    getLog().reply(200, log);
    getUsers();
    const source = setup();
    expect(await source.isResponder('bob@example.com', 'INC-4211', AT)).toBe(true); // assigned first, then handed on
    expect(await source.isResponder('carol@example.com', 'INC-4211', AT)).toBe(true); // acknowledged
    expect(await source.isResponder('frank@example.com', 'INC-4211', AT)).toBe(true); // joined through a responder request
    expect(await source.isResponder('gina@example.com', 'INC-4211', AT)).toBe(false); // asked to join, has not
    expect(await source.isResponder('dave@example.com', 'INC-4211', AT)).toBe(false); // only wrote a note
    // Erin's email came with the incident; the others were looked up once each, and nobody else was.
    expect(usersAsked.sort()).toEqual(['PBOB123', 'PCAROL9', 'PFRANK7']);
  });

  it('knows someone the incident does not name is not responding', async () => {
    getIncident().reply(200, incident);
    getLog().reply(200, log);
    getUsers();
    expect(await setup().isResponder('alice@example.com', 'INC-4211', AT)).toBe(false);
  });

  it('says there is no such incident when PagerDuty does not have it (404), and cannot tell for a key without a number', async () => {
    const scope = getIncident('9999').reply(404, { error: { message: 'Incident Not Found', code: 2100 } });
    const source = setup();
    expect(await source.isResponder('erin@example.com', 'INC-9999', AT)).toBe(NO_SUCH_INCIDENT);
    expect(scope.isDone()).toBe(true);
    // No request at all (net connect is disabled: one would fail the lookup).
    expect(await source.isResponder('erin@example.com', 'INC-', AT)).toBeUndefined();
    expect(await setup({ incidentNumber: 'PD-([0-9]+)' }).isResponder('erin@example.com', 'INC-4211', AT)).toBeUndefined();
  });

  it('cannot tell for an incident that vanished between its two reads (merged or deleted)', async () => {
    getIncident().reply(200, incident);
    getLog().reply(404, { error: { message: 'Not Found', code: 2100 } });
    expect(await setup().isResponder('erin@example.com', 'INC-4211', AT)).toBeUndefined();
  });

  it('reuses an incident for a minute, shares a read between concurrent lookups, and asks again after', async () => {
    const incidentScope = getIncident().times(2).reply(200, incident);
    getLog().times(2).reply(200, log);
    getUsers();
    const source = setup({ cacheTtlMs: 60_000 });
    const answers = await Promise.all([
      source.isResponder('erin@example.com', 'INC-4211', AT),
      source.isResponder('bob@example.com', 'INC-4211', AT),
      source.isResponder('alice@example.com', 'INC-4211', AT),
    ]);
    expect(answers).toEqual([true, true, false]);
    expect(incidentScope.pendingMocks()).toHaveLength(1);
    // Half a minute on, a responder is answered from the cache, and so is someone missing from a read this young.
    clock.advance(2_000);
    expect(await source.isResponder('alice@example.com', 'INC-4211', clock.now())).toBe(false);
    clock.advance(28_000);
    expect(await source.isResponder('carol@example.com', 'INC-4211', clock.now())).toBe(true);
    expect(incidentScope.pendingMocks()).toHaveLength(1);
    clock.advance(31_000);
    expect(await source.isResponder('carol@example.com', 'INC-4211', clock.now())).toBe(true);
    expect(incidentScope.isDone()).toBe(true);
  });

  it('re-reads the incident once for someone missing from a read older than 5 s (they may have just acknowledged)', async () => {
    const acknowledged = {
      ...log,
      log_entries: [
        ...(log.log_entries as unknown[]),
        { id: 'R9', type: 'acknowledge_log_entry', agent: { id: 'PALICE1', type: 'user_reference', summary: 'Alice Example' } },
      ],
    };
    getIncident().times(2).reply(200, incident);
    getLog().reply(200, log);
    getLog().reply(200, acknowledged);
    getUsers();
    const source = setup();
    expect(await source.isResponder('alice@example.com', 'INC-4211', AT)).toBe(false);
    clock.advance(6_000);
    expect(await source.isResponder('alice@example.com', 'INC-4211', clock.now())).toBe(true);
    expect(nock.isDone()).toBe(true);
  });

  it('knows the incident but cannot tell for someone missing from a log cut at the page cap, and still names who it did read', async () => {
    const full = { ...log, more: true };
    for (let page = 0; page < 10; page += 1) getLog(page * 100).reply(200, full);
    getIncident().reply(200, incident);
    getUsers();
    const source = setup();
    expect(await source.isResponder('alice@example.com', 'INC-4211', AT)).toBe(KNOWN_INCIDENT);
    expect(await source.isResponder('erin@example.com', 'INC-4211', AT)).toBe(true);
    expect(await source.isResponder('carol@example.com', 'INC-4211', AT)).toBe(true);
    expect(nock.isDone()).toBe(true);
  });

  it('skips a user PagerDuty no longer has instead of failing the lookup', async () => {
    const gone = {
      ...log,
      log_entries: [
        ...(log.log_entries as unknown[]),
        { id: 'R9', type: 'assign_log_entry', assignees: [{ id: 'PGONE00', type: 'user_reference', summary: 'Deleted user' }] },
      ],
    };
    getIncident().reply(200, incident);
    getLog().reply(200, gone);
    getUsers();
    expect(await setup().isResponder('carol@example.com', 'INC-4211', AT)).toBe(true);
  });

  it('answers only for a request made while the incident was open, or within a day of its resolution', async () => {
    const resolved = (at: string) => ({
      incident: { ...(incident as { incident: object }).incident, status: 'resolved', resolved_at: null, last_status_change_at: at },
    });
    getIncident().reply(200, resolved('2026-11-23T12:00:00Z'));
    getLog().reply(200, log);
    getUsers();
    const source = setup();
    // Resolved 21 hours before the request: follow-up work still counts.
    expect(await source.isResponder('erin@example.com', 'INC-4211', AT)).toBe(true);
    expect(await source.isResponder('alice@example.com', 'INC-4211', AT)).toBe(false);
    // Two days after the request's resolution window, or before the incident existed: no incident open then.
    expect(await source.isResponder('erin@example.com', 'INC-4211', new Date('2026-11-24T13:00:00Z'))).toBe(NO_SUCH_INCIDENT);
    expect(await source.isResponder('alice@example.com', 'INC-4211', new Date('2026-11-24T08:00:00Z'))).toBe(NO_SUCH_INCIDENT);
  });

  it('throws the PagerDuty error with its code, naming the token variable but never the token, then leaves PagerDuty alone for a while', async () => {
    getIncident().reply(401, { error: { message: 'Unauthorized', code: 2006 } });
    const source = setup();
    const denied = await source.isResponder('erin@example.com', 'INC-4211', AT).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(PagerDutyError);
    expect(denied).toMatchObject({ code: 'auth_failed', message: expect.stringContaining('set PAGERDUTY_TOKEN') });
    expect(String((denied as Error).message)).not.toContain(TOKEN);
    // A bad token waits five minutes: meanwhile unknown, and nothing is sent (nock would refuse an unexpected call).
    clock.advance(60_000);
    expect(await source.isResponder('erin@example.com', 'INC-4211', clock.now())).toBeUndefined();
    // Then it asks again. An outage as the second failure in a row waits 10 s doubled; then a read answers (failures are not cached).
    clock.advance(240_000);
    getIncident().reply(503, 'Service Unavailable');
    await expect(source.isResponder('erin@example.com', 'INC-4211', clock.now())).rejects.toMatchObject({ code: 'unavailable' });
    clock.advance(10_000);
    expect(await source.isResponder('erin@example.com', 'INC-4211', clock.now())).toBeUndefined();
    clock.advance(10_000);
    getIncident().reply(200, incident);
    getLog().reply(200, log);
    getUsers();
    expect(await source.isResponder('erin@example.com', 'INC-4211', clock.now())).toBe(true);
  });

  it('waits as long as a rate limit’s Retry-After says, answering from what it read before', async () => {
    getIncident().reply(200, incident);
    getLog().reply(200, log);
    getUsers();
    const source = setup();
    expect(await source.isResponder('erin@example.com', 'INC-4211', AT)).toBe(true);
    clock.advance(61_000);
    getIncident().reply(429, { error: { message: 'Rate Limit Exceeded' } }, { 'retry-after': '30' });
    await expect(source.isResponder('erin@example.com', 'INC-4211', clock.now())).rejects.toMatchObject({ code: 'rate_limited' });
    clock.advance(20_000);
    // A responder read before still counts; someone not named before is unknown rather than "not a responder".
    expect(await source.isResponder('erin@example.com', 'INC-4211', clock.now())).toBe(true);
    expect(await source.isResponder('alice@example.com', 'INC-4211', clock.now())).toBeUndefined();
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('is unknown to the core on failure, which logs the error code only', async () => {
    getIncident().reply(403, { error: { message: 'Access Denied', code: 2010 } });
    const lines: unknown[] = [];
    const record = (fields: unknown, message?: string) => lines.push({ fields, message });
    const log = { debug: record, info: record, warn: record, error: record };
    const deps = { incidentResponders: setup(), log } as unknown as CoreDeps;
    expect(await responderOf(deps, 'erin@example.com', 'INC-4211', AT)).toBeUndefined();
    expect(lines).toEqual([{ fields: { incident: 'INC-4211', code: 'auth_failed' }, message: expect.stringContaining('lookup failed') }]);
    expect(JSON.stringify(lines)).not.toMatch(/erin|pdToken/);
  });

  it('throws an unexpected body as code unknown', async () => {
    getIncident().reply(200, { incidents: [] });
    await expect(setup().isResponder('erin@example.com', 'INC-4211', AT)).rejects.toMatchObject({
      name: 'PagerDutyError',
      code: 'unknown',
    });
  });
});
