import type { Activity } from 'botbuilder';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTeamsAdapter, type TeamsAdapter } from '../../../src/chat/teams/index.js';
import { recordActivity } from '../../../src/core/lifecycle/activity.js';
import { tick } from '../../../src/core/scheduler/jobs.js';
import { createHttpServer, type HttpServer } from '../../../src/http/server.js';
import { createHarness, type Harness } from '../../helpers/harness.js';
import { fakeConnector, goodClaims, serveBotFrameworkKeys, token } from './connector.js';
import {
  APP_ID,
  APPROVAL_CHANNEL,
  activityFrom,
  cardText,
  INCIDENT_CHANNEL,
  invoke,
  PEOPLE,
  TENANT,
  teamsPolicy,
  verbsOf,
} from './fixtures.js';

const { alice, bob, carol } = PEOPLE;
// This suite is about HTTP and the connector; the flow suite runs the lifecycle on every store kind.
const kind = 'pglite';

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
});
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe(`Teams over HTTP with the real CloudAdapter (${kind})`, () => {
  let h: Harness;
  let teams: TeamsAdapter;
  let server: HttpServer;
  let url: string;
  let connector: ReturnType<typeof fakeConnector>;

  beforeEach(async () => {
    serveBotFrameworkKeys();
    connector = fakeConnector();
    h = await createHarness(kind, { policy: teamsPolicy() });
    teams = createTeamsAdapter(
      { appId: APP_ID, appPassword: 'app-secret', appType: 'MultiTenant', allowUnauthenticated: false },
      { retry: { minDelayMs: 1, maxDelayMs: 5 } },
    );
    h.deps.chat = teams.chat;
    await teams.start(h.deps);
    server = createHttpServer({ log: h.deps.log, ready: async () => ({ ok: true, checks: {} }) });
    for (const route of teams.routes()) server.route(route.path, route.handler);
    url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}/api/messages`;
  });
  afterEach(async () => {
    await teams.stop();
    await server.close();
    await h.close();
    nock.cleanAll();
  });

  const post = async (activity: Partial<Activity>, jwt: string | null = token()) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(jwt ? { authorization: `Bearer ${jwt}` } : {}) },
      body: JSON.stringify(activity),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };
  const message = (person: typeof alice, text: string, where: 'personal' | 'channel' = 'personal') =>
    activityFrom(person, { where, type: 'message', text });
  const install = () =>
    post(activityFrom(bob, { where: 'channel', type: 'conversationUpdate', membersAdded: [{ id: `28:${APP_ID}`, name: 'Keycard' }] }));

  it('accepts a valid token, runs the turn and replies through the connector', async () => {
    expect((await post(message(alice, 'help'))).status).toBe(200);
    const lookup = connector.calls.find((c) => c.method === 'GET');
    expect(lookup?.path).toBe(`v3/conversations/a:dm-${alice.aadObjectId}/members/${alice.id}`);
    const [reply] = connector.sends();
    expect(reply?.path).toMatch(new RegExp(`^v3/conversations/a:dm-${alice.aadObjectId}/activities/in-\\d+$`));
    expect(reply?.authorization).toBe('Bearer outbound-token');
    expect(cardText(reply?.body.attachments)).toContain('Keycard grants temporary production access');
    expect(await h.deps.store.state.get('teams:conversation', `user:${alice.aadObjectId}`)).toMatchObject({
      serviceUrl: 'https://smba.trafficmanager.net/amer/',
      conversation: { id: `a:dm-${alice.aadObjectId}`, tenantId: TENANT },
    });
    expect(await h.deps.store.state.get('teams:email', alice.email)).toEqual({ aadObjectId: alice.aadObjectId });
  });

  it.each([
    ['no token', null],
    ['a wrong audience', token({ ...goodClaims(), aud: 'someone-else' })],
    ['a wrong issuer', token({ ...goodClaims(), iss: 'https://sts.windows.net/evil/' })],
    ['an expired token', token({ ...goodClaims(), nbf: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 })],
    ['a serviceUrl mismatch', token({ ...goodClaims(), serviceurl: 'https://evil.example.com/' })],
    ['a bad signature', token(goodClaims(), { badSignature: true })],
    ['garbage', 'not-a-jwt'],
  ])('answers 401 to %s and changes nothing', async (_name, jwt) => {
    const result = await post(message(alice, 'access demo-db 15m read checking replication lag INC-42'), jwt);
    expect(result).toEqual({ status: 401, body: { error: 'unauthorized' } });
    expect(connector.calls).toEqual([]);
    expect(await h.deps.store.state.list('teams:conversation')).toEqual([]);
    expect(await h.deps.store.getRequestByNumber(1)).toBeUndefined();
  });

  it('rejects what is not an activity', async () => {
    const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token()}` }, body: '{nope' });
    expect(response.status).toBe(400);
    expect((await fetch(url)).status).toBe(405);
  });

  it('runs request → card in the tier channel → approve → credential DM → notice → expiry → card updated', async () => {
    expect((await install()).status).toBe(200);
    expect(connector.calls.map((c) => `${c.method} ${c.path}`)).toEqual(
      expect.arrayContaining([`GET v3/teams/${'19:general@thread.tacv2'}/conversations`, expect.stringMatching(/pagedmembers$/)]),
    );
    connector.clear();
    await post(message(alice, 'access demo-db 15m read checking replication lag INC-42'));
    const card = connector.sends().find((c) => c.path === `v3/conversations/${APPROVAL_CHANNEL}/activities`);
    expect(card?.body).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }] });
    expect(verbsOf(card?.body.attachments)).toEqual(['approve', 'deny']);
    expect(cardText(card?.body.attachments)).toContain('alice@example.com');
    const cardId = (await h.deps.store.state.get('teams:card', (await h.deps.store.getRequestByNumber(1))!.id))?.activityId;
    expect(cardId).toMatch(/^srv-/);
    connector.clear();

    const clicked = await post(invoke(bob, 'approve', { number: 1 }));
    expect(clicked.status).toBe(200);
    expect(clicked.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(verbsOf(clicked.body?.value)).toEqual([]);
    await teams.idle();
    const update = connector.calls.filter((c) => c.method === 'PUT').at(-1);
    expect(update?.path).toBe(`v3/conversations/${APPROVAL_CHANNEL}/activities/${cardId}`);
    expect(update?.body).toMatchObject({ id: cardId, type: 'message' });
    expect(cardText(update?.body.attachments)).toContain('active until');
    const thread = connector.sends().filter((c) => c.path === `v3/conversations/${APPROVAL_CHANNEL};messageid=${cardId}/activities`);
    expect(thread.map((t) => t.body.text)).toEqual([
      'KC-1: Approved by bob@example.com · granting access',
      expect.stringMatching(/^KC-1: Access active/),
    ]);
    const dm = connector.sends().find((c) => c.path === `v3/conversations/a:dm-${alice.aadObjectId}/activities`);
    expect(cardText(dm?.body.attachments)).toContain('s3cret-KC-1');
    connector.clear();

    await tick(h.deps, h.clock.advance(5 * 60_000 + 1_000));
    const notice = connector.sends().find((c) => c.path === `v3/conversations/a:dm-${alice.aadObjectId}/activities`);
    expect(verbsOf(notice?.body.attachments)).toEqual(['extend', 'release']);
    expect(cardText(notice?.body.attachments)).toMatch(/ends in 9m59s/);
    connector.clear();

    await tick(h.deps, h.clock.advance(10 * 60_000));
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('expired');
    const expired = connector.calls.find((c) => c.method === 'PUT');
    expect(expired?.path).toBe(`v3/conversations/${APPROVAL_CHANNEL}/activities/${cardId}`);
    expect(cardText(expired?.body.attachments)).toContain('expired at');
    expect(connector.sends().map((c) => c.body.text)).toContain('KC-1: Expired · access revoked');
  });

  it('threads an incident in its channel over the connector and sends the anomaly card to the requester’s chat', async () => {
    await install();
    connector.clear();
    await post(message(alice, 'access demo-db 15m write fix stuck order INC-4211'));
    const root = connector.sends().filter((c) => c.path === `v3/conversations/${INCIDENT_CHANNEL}/activities`);
    expect(root.map((c) => c.body.summary)).toEqual(['Production access for INC-4211']);
    const rootId = (await h.deps.store.state.get('teams:incident', 'INC-4211'))?.activityId;
    expect(rootId).toMatch(/^srv-/);
    const thread = `v3/conversations/${INCIDENT_CHANNEL};messageid=${rootId}/activities`;
    expect(
      connector
        .sends()
        .filter((c) => c.path === thread)
        .map((c) => c.body.summary),
    ).toEqual([expect.stringMatching(/^KC-1: alice@example.com requested demo-db \(write\)/)]);
    expect((await post(invoke(bob, 'approve', { number: 1 }))).status).toBe(200);
    await teams.idle();
    connector.clear();

    await recordActivity(h.deps, { at: h.clock.now(), source: 'ingest', grantRef: 'KC-1', statement: 'DELETE FROM orders' });
    const dm = connector.sends().find((c) => c.path === `v3/conversations/a:dm-${alice.aadObjectId}/activities`);
    expect(dm?.body.summary).toBe('HIGH activity on KC-1: DELETE without WHERE: DELETE FROM orders');
    expect(verbsOf(dm?.body.attachments)).toEqual(['anomalyAck', 'anomalyExtend']);
    expect(connector.sends().some((c) => c.path === thread && cardText(c.body.attachments).startsWith('KC-1: ANOMALY (high)'))).toBe(true);
    // No other root was ever posted.
    expect(connector.sends().filter((c) => c.path === `v3/conversations/${INCIDENT_CHANNEL}/activities`)).toEqual([]);
  });

  it('retries a throttled post and opens a personal chat for a DM to a team member', async () => {
    await install();
    connector.clear();
    connector.failNext(429, 412);
    await teams.chat.sendDirect(carol.email, { kind: 'info', text: 'hello from Keycard' });
    const create = connector.calls.filter((c) => c.method === 'POST' && c.path === 'v3/conversations');
    expect(create.map((c) => c.body)).toEqual([
      expect.objectContaining({ isGroup: false, members: [expect.objectContaining({ id: carol.id })], tenantId: TENANT }),
      expect.anything(),
      expect.anything(),
    ]);
    const sent = connector.sends();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.path).toMatch(/^v3\/conversations\/a:created-\d+\/activities$/);
    expect(await h.deps.store.state.get('teams:conversation', `user:${carol.aadObjectId}`)).toMatchObject({
      conversation: { conversationType: 'personal' },
    });
  });

  it('names what to install when it cannot reach a person or a channel', async () => {
    await expect(teams.chat.sendDirect('nobody@example.com', { kind: 'info', text: 'x' })).rejects.toThrow(
      /Keycard cannot message nobody@example.com in Teams: they need to add the Keycard app/,
    );
    const failures: string[] = [];
    h.deps.log = { ...h.deps.log, warn: (fields: unknown) => void failures.push(JSON.stringify(fields)) };
    // No install in the team yet: the tier channel has no stored reference.
    expect((await post(message(alice, 'access demo-db 15m read checking replication lag INC-42'))).status).toBe(200);
    expect(connector.sends().some((c) => c.path.startsWith(`v3/conversations/${APPROVAL_CHANNEL}`))).toBe(false);
    expect(failures.join('\n')).toContain(
      `Keycard has no conversation reference for Teams channel ${APPROVAL_CHANNEL}: add the Keycard app to the team`,
    );
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('pending');
  });

  it('refuses activities from another tenant when the bot is single-tenant', async () => {
    const single = createTeamsAdapter({
      appId: APP_ID,
      appPassword: 'app-secret',
      appType: 'SingleTenant',
      tenantId: 'other-tenant',
      allowUnauthenticated: false,
    });
    await single.start(h.deps);
    server.route('/single', single.routes()[0]!.handler);
    const response = await fetch(url.replace('/api/messages', '/single'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token()}` },
      body: JSON.stringify(message(alice, 'help')),
    });
    expect(response.status).toBe(403);
    expect(connector.calls).toEqual([]);
    await single.stop();
  });
});

describe('Teams adapter start-up', () => {
  it('refuses to exist without an app id unless in local mode, and refuses local mode with an app id', () => {
    expect(() => createTeamsAdapter({ appId: '', appType: 'MultiTenant', allowUnauthenticated: false })).toThrow(/MICROSOFT_APP_ID/);
    expect(() => createTeamsAdapter({ appId: APP_ID, appPassword: 'x', appType: 'MultiTenant', allowUnauthenticated: true })).toThrow(
      /KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED=true cannot be used with MICROSOFT_APP_ID/,
    );
  });
});
