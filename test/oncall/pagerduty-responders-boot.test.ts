import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { bootKeycard, createPagerDutyResponders, type Keycard } from '../../src/main.js';
import { makePolicy } from '../fixtures/policy.js';
import { seededDataDir } from '../helpers/db.js';

const API = 'https://api.eu.pagerduty.com';
const TOKEN = 'u+pdTokenXYZ-0123456789';
const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')) as object;
const example = readFileSync(join(import.meta.dirname, '../../manifests/policy.example.yaml'), 'utf8');
/** The bundled example asking PagerDuty (EU region) who is on call, and who responds to an incident (INC-n is #n). */
const policyText = example.replace(
  'onCall:\n',
  `onCall:\n  pagerduty: { tokenEnv: PAGERDUTY_TOKEN, scheduleIds: [PI7DH85], apiUrl: "${API}", incidentNumber: "([0-9]+)$" }\n`,
);

/** keycard start / console wiring: a policy with onCall.pagerduty makes PagerDuty an incident responder source. */
describe('PagerDuty incident responders wiring', () => {
  let keycard: Keycard;

  beforeAll(async () => {
    nock.disableNetConnect();
    const cwd = mkdtempSync(join(tmpdir(), 'kc-pd-'));
    writeFileSync(join(cwd, 'keycard.yaml'), policyText);
    keycard = await bootKeycard({
      env: {
        KEYCARD_DATA_DIR: seededDataDir(join(cwd, 'data')),
        KEYCARD_POLICY: join(cwd, 'keycard.yaml'),
        PAGERDUTY_TOKEN: TOKEN,
        LOG_LEVEL: 'silent',
      },
      cwd,
      chat: [],
    });
  }, 60_000);

  afterAll(async () => {
    await keycard?.close();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('discounts an incident key for the requester PagerDuty names, and adds points for one it does not', async () => {
    const pd = nock(API, { reqheaders: { authorization: `Token token=${TOKEN}` } });
    pd.get('/oncalls').query(true).reply(200, { oncalls: [], more: false }).persist();
    // Read once: the second request is answered from the cache.
    pd.get('/incidents/4211').query(true).reply(200, fixture('pagerduty-incident.json'));
    pd.get('/incidents/Q2ZL5S1YOBQ0XP/log_entries').query(true).reply(200, fixture('pagerduty-log-entries.json'));
    pd.get(/^\/users\/P[A-Z0-9]+$/)
      .reply((uri) => [200, { user: { id: uri.split('/').at(-1), type: 'user', email: `${uri.split('/').at(-1)}@example.com` } }])
      .persist();
    const run = async (actor: string, text: string) => {
      const result = await handleCommand(keycard.deps, { actor, text, origin: { platform: 'console' } });
      return result.kind === 'request' ? result.request.factors : [];
    };

    // Erin is the incident's assignee in PagerDuty.
    const erin = await run('erin@example.com', '/access demo-db 30m read orders latency INC-4211');
    expect(erin.find((f) => f.id === 'incident')).toMatchObject({ reason: 'incident INC-4211, and they are one of its responders' });
    // Alice is not among its people: PagerDuty knows the incident, so she is a known non-responder.
    const alice = await run('alice@example.com', '/access demo-db 30m read orders latency INC-4211');
    expect(alice.map((f) => f.id)).toContain('incident-not-responder');
    expect(alice.map((f) => f.id)).not.toContain('incident');
    expect(pd.pendingMocks().filter((m) => m.includes('/incidents'))).toEqual([]);
  });

  it('is added only with onCall.pagerduty, its token and an incidentNumber pattern (off by default)', () => {
    const clock = { now: () => new Date() };
    const pagerduty = { tokenEnv: 'PAGERDUTY_TOKEN', scheduleIds: ['PI7DH85'], incidentNumber: '([0-9]+)$' };
    const env = { PAGERDUTY_TOKEN: TOKEN };
    expect(createPagerDutyResponders(makePolicy({ onCall: { pagerduty } }), env, clock)).toBeDefined();
    expect(createPagerDutyResponders(makePolicy(), env, clock)).toBeUndefined();
    expect(createPagerDutyResponders(makePolicy({ onCall: { pagerduty } }), {}, clock)).toBeUndefined();
    expect(
      createPagerDutyResponders(makePolicy({ onCall: { pagerduty: { ...pagerduty, incidentNumber: 'off' } } }), env, clock),
    ).toBeUndefined();
    const { incidentNumber: _, ...onCallOnly } = pagerduty;
    expect(createPagerDutyResponders(makePolicy({ onCall: { pagerduty: onCallOnly } }), env, clock)).toBeUndefined();
  });
});
