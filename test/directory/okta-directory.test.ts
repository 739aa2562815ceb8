import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOktaDirectory, nextLink } from '../../src/directory/okta/index.js';

const ORG = 'https://keycard-test.okta.com';
const TOKEN = '00aBcDeFgHiJkLmNoPqRsTuVwXyZ';

const oktaUser = (id: string, email: string, status: string, extra: Record<string, unknown> = {}) => ({
  id,
  status,
  created: '2026-01-05T09:00:00.000Z',
  activated: '2026-01-05T09:01:00.000Z',
  statusChanged: '2026-11-20T10:00:00.000Z',
  lastLogin: '2026-12-01T08:00:00.000Z',
  type: { id: 'oty1' },
  profile: { firstName: email.split('@')[0], lastName: 'Example', login: email, email, ...extra },
  _links: { self: { href: `${ORG}/api/v1/users/${id}` } },
});

describe('Okta directory', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it('reads the exact group by name and its members across Link-header pages, with user status', async () => {
    const okta = nock(ORG, { reqheaders: { authorization: `SSWS ${TOKEN}` } });
    okta
      .get('/api/v1/groups')
      .query({ q: 'DB Owners', limit: '200' })
      .reply(200, [
        { id: '00g1archive', type: 'OKTA_GROUP', profile: { name: 'DB Owners Archive', description: '' } },
        { id: '00g1dbowners', type: 'OKTA_GROUP', profile: { name: 'DB Owners', description: 'Production DB owners' } },
      ]);
    okta
      .get('/api/v1/groups/00g1dbowners/users')
      .query({ limit: '200' })
      .reply(200, [oktaUser('00u1carol', 'carol@example.com', 'ACTIVE', { department: 'Data', manager: 'dave@example.com' })], {
        link: `<${ORG}/api/v1/groups/00g1dbowners/users?limit=200>; rel="self", <${ORG}/api/v1/groups/00g1dbowners/users?after=00u1carol&limit=200>; rel="next"`,
      });
    okta
      .get('/api/v1/groups/00g1dbowners/users')
      .query({ after: '00u1carol', limit: '200' })
      .reply(200, [oktaUser('00u2dan', 'dan@example.com', 'SUSPENDED'), oktaUser('00u3erin', 'erin@example.com', 'DEPROVISIONED')], {
        link: `<${ORG}/api/v1/groups/00g1dbowners/users?after=00u1carol&limit=200>; rel="self"`,
      });
    okta.get('/api/v1/groups').query({ q: 'Nobody', limit: '200' }).reply(200, []);

    const groups = await createOktaDirectory({ orgUrl: ORG, token: TOKEN }).fetchGroups([
      { source: 'okta', name: 'DB Owners', ref: 'okta:DB Owners' },
      { source: 'okta', name: 'Nobody', ref: 'okta:Nobody' },
    ]);
    expect(groups[0]?.found).toBe(true);
    expect(groups[0]?.members.map((m) => [m.email, m.active, m.team, m.manager])).toEqual([
      ['carol@example.com', true, 'Data', 'dave@example.com'],
      ['dan@example.com', false, undefined, undefined],
      ['erin@example.com', false, undefined, undefined],
    ]);
    expect(groups[1]).toEqual({ ref: 'okta:Nobody', found: false, members: [] });
  });

  it('finds people by e-mail with a search (deprovisioned users included)', async () => {
    nock(ORG)
      .get('/api/v1/users')
      .query({ search: 'profile.email eq "erin@example.com"', limit: '10' })
      .reply(200, [oktaUser('00u3erin', 'erin@example.com', 'DEPROVISIONED')]);
    expect(await createOktaDirectory({ orgUrl: ORG, token: TOKEN }).fetchPeople(['erin@example.com'])).toEqual({
      found: [{ email: 'erin@example.com', active: false, objectId: '00u3erin', displayName: 'erin Example' }],
      notFound: [],
    });
  });

  it('maps 401/403/429 to the directory error set and parses Link headers', async () => {
    nock(ORG).get('/api/v1/groups').query(true).reply(401, { errorCode: 'E0000011', errorSummary: 'Invalid token provided' });
    await expect(
      createOktaDirectory({ orgUrl: ORG, token: TOKEN }).fetchGroups([{ source: 'okta', name: 'X', ref: 'okta:X' }]),
    ).rejects.toMatchObject({ code: 'directory_auth_failed' });
    nock(ORG).get('/api/v1/groups').query(true).reply(403, { errorCode: 'E0000006', errorSummary: 'You do not have permission' });
    await expect(
      createOktaDirectory({ orgUrl: ORG, token: TOKEN }).fetchGroups([{ source: 'okta', name: 'X', ref: 'okta:X' }]),
    ).rejects.toMatchObject({ code: 'directory_forbidden' });
    expect(nextLink('<https://o/a?after=1>; rel="next"')).toBe('https://o/a?after=1');
    expect(nextLink('<https://o/a>; rel="self"')).toBeUndefined();
  });
});
