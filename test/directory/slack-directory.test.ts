import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSlackDirectory } from '../../src/directory/slack/index.js';

const TOKEN = 'xoxb-test-directory';
const ref = (name: string) => ({ source: 'slack' as const, name, ref: `slack:@${name}` });

const user = (id: string, email: string, extra: Record<string, unknown> = {}) => ({
  id,
  team_id: 'T0KEYCARD',
  name: email.split('@')[0],
  deleted: false,
  is_bot: false,
  tz: 'Europe/Berlin',
  tz_offset: 3600,
  profile: { email, real_name: `${email.split('@')[0]} Example`, display_name: email.split('@')[0] },
  ...extra,
});

describe('Slack user groups directory', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it('resolves a user group handle to its members, paging users.list by cursor', async () => {
    const slack = nock('https://slack.com', { reqheaders: { authorization: `Bearer ${TOKEN}` } });
    slack
      .get('/api/usergroups.list')
      .query({ include_disabled: 'false' })
      .reply(200, {
        ok: true,
        usergroups: [
          {
            id: 'S0DBOWNERS',
            team_id: 'T0KEYCARD',
            is_usergroup: true,
            name: 'DB Owners',
            handle: 'db-owners',
            date_delete: 0,
            user_count: 3,
          },
          {
            id: 'S0OLD',
            team_id: 'T0KEYCARD',
            is_usergroup: true,
            name: 'Old',
            handle: 'old-team',
            date_delete: 1700000000,
            user_count: 0,
          },
        ],
      });
    slack
      .get('/api/users.list')
      .query({ limit: '200' })
      .reply(200, {
        ok: true,
        members: [user('U01CAROL', 'Carol@Example.com'), user('U02BOT', 'bot@example.com', { is_bot: true })],
        response_metadata: { next_cursor: 'dXNlcjpVMDNEQU4=' },
      });
    slack
      .get('/api/users.list')
      .query({ limit: '200', cursor: 'dXNlcjpVMDNEQU4=' })
      .reply(200, { ok: true, members: [user('U03DAN', 'dan@example.com', { deleted: true })], response_metadata: { next_cursor: '' } });
    slack
      .get('/api/usergroups.users.list')
      .query({ usergroup: 'S0DBOWNERS' })
      .reply(200, { ok: true, users: ['U01CAROL', 'U02BOT', 'U03DAN'] });

    const groups = await createSlackDirectory({ token: TOKEN }).fetchGroups([ref('db-owners'), ref('old-team'), ref('nobody')]);
    expect(groups).toEqual([
      {
        ref: 'slack:@db-owners',
        found: true,
        members: [
          {
            email: 'carol@example.com',
            active: true,
            objectId: 'U01CAROL',
            displayName: 'Carol Example',
            timeZone: 'Europe/Berlin',
            groups: ['slack:@db-owners'],
          },
          {
            email: 'dan@example.com',
            active: false,
            objectId: 'U03DAN',
            displayName: 'dan Example',
            timeZone: 'Europe/Berlin',
            groups: ['slack:@db-owners'],
          },
        ],
      },
      { ref: 'slack:@old-team', found: false, members: [] },
      { ref: 'slack:@nobody', found: false, members: [] },
    ]);
  });

  it('looks people up by e-mail and leaves unknown ones out', async () => {
    nock('https://slack.com')
      .get('/api/users.lookupByEmail')
      .query({ email: 'erin@example.com' })
      .reply(200, { ok: true, user: user('U04ERIN', 'erin@example.com') })
      .get('/api/users.lookupByEmail')
      .query({ email: 'ghost@example.com' })
      .reply(200, { ok: false, error: 'users_not_found' });
    const people = await createSlackDirectory({ token: TOKEN }).fetchPeople(['erin@example.com', 'ghost@example.com']);
    expect(people.found.map((p) => p.email)).toEqual(['erin@example.com']);
    expect(people.notFound).toEqual(['ghost@example.com']);
  });

  it('maps Slack errors to the directory error set', async () => {
    nock('https://slack.com').get('/api/usergroups.list').query(true).reply(200, { ok: false, error: 'invalid_auth' });
    await expect(createSlackDirectory({ token: TOKEN }).fetchGroups([ref('db-owners')])).rejects.toMatchObject({
      code: 'directory_auth_failed',
    });
    nock('https://slack.com')
      .get('/api/usergroups.list')
      .query(true)
      .reply(200, { ok: false, error: 'missing_scope', needed: 'usergroups:read' });
    await expect(createSlackDirectory({ token: TOKEN }).fetchGroups([ref('db-owners')])).rejects.toMatchObject({
      code: 'directory_forbidden',
      message: expect.stringContaining('usergroups:read'),
    });
    nock('https://slack.com').get('/api/usergroups.list').query(true).reply(429, '', { 'retry-after': '30' });
    await expect(createSlackDirectory({ token: TOKEN }).fetchGroups([ref('db-owners')])).rejects.toMatchObject({
      code: 'directory_rate_limited',
    });
  });
});
