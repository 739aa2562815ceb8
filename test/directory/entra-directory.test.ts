import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEntraDirectory } from '../../src/directory/entra/index.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '0b1d5a8e-6c1f-4c53-9d8e-2f0e4f1b7a11';
const GROUP = '2c9a1b7e-3d4f-4a5b-8c6d-7e8f9a0b1c2d';
const GRAPH = 'https://graph.microsoft.com';
const SELECT = 'id,mail,userPrincipalName,displayName,accountEnabled,department,employeeLeaveDateTime';

function tokenEndpoint(times = 1) {
  return nock('https://login.microsoftonline.com')
    .post(
      `/${TENANT}/oauth2/v2.0/token`,
      (body) => body.grant_type === 'client_credentials' && body.scope === `${GRAPH}/.default` && body.client_id === CLIENT,
    )
    .times(times)
    .reply(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'eyJ0eXAiOiJKV1Qi.test.token' });
}

const graphUser = (id: string, mail: string | null, upn: string, extra: Record<string, unknown> = {}) => ({
  '@odata.type': '#microsoft.graph.user',
  id,
  mail,
  userPrincipalName: upn,
  displayName: upn.split('@')[0],
  accountEnabled: true,
  department: 'Platform',
  employeeLeaveDateTime: null,
  ...extra,
});

describe('Microsoft Entra ID directory (Graph)', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  const entra = () => createEntraDirectory({ tenantId: TENANT, clientId: CLIENT, clientSecret: 'secret-value', leaveDates: true });

  it('reads transitive members across @odata.nextLink pages with one client-credentials token', async () => {
    tokenEndpoint();
    const graph = nock(GRAPH, { reqheaders: { authorization: 'Bearer eyJ0eXAiOiJKV1Qi.test.token' } });
    graph.get(`/v1.0/groups/${GROUP}`).query({ $select: 'id,displayName' }).reply(200, { id: GROUP, displayName: 'DB Owners' });
    const next = `${GRAPH}/v1.0/groups/${GROUP}/transitiveMembers/microsoft.graph.user?$select=${SELECT}&$top=999&$skiptoken=RFNwdAIAAQAAAD8`;
    graph
      .get(`/v1.0/groups/${GROUP}/transitiveMembers/microsoft.graph.user`)
      .query({ $select: SELECT, $top: '999' })
      .reply(200, {
        '@odata.context': `${GRAPH}/v1.0/$metadata#users`,
        value: [graphUser('11111111-1111-1111-1111-111111111111', 'Carol@Example.com', 'carol@example.onmicrosoft.com')],
        '@odata.nextLink': next,
      });
    graph
      .get(`/v1.0/groups/${GROUP}/transitiveMembers/microsoft.graph.user`)
      .query({ $select: SELECT, $top: '999', $skiptoken: 'RFNwdAIAAQAAAD8' })
      .reply(200, {
        value: [
          graphUser('22222222-2222-2222-2222-222222222222', null, 'dan@example.com', { accountEnabled: false }),
          graphUser('33333333-3333-3333-3333-333333333333', 'erin@example.com', 'erin@example.com', {
            employeeLeaveDateTime: '2026-12-04T17:00:00Z',
          }),
        ],
      });
    const missing = '9c9a1b7e-3d4f-4a5b-8c6d-7e8f9a0b1c2d';
    graph
      .get(`/v1.0/groups/${missing}`)
      .query(true)
      .reply(404, { error: { code: 'Request_ResourceNotFound', message: 'Resource does not exist' } });

    const groups = await entra().fetchGroups([
      { source: 'entra', name: GROUP, ref: `entra:${GROUP}` },
      { source: 'entra', name: missing, ref: `entra:${missing}` },
    ]);
    expect(groups[0]?.members.map((m) => [m.email, m.active, m.objectId, m.team, m.leaveDate?.toISOString()])).toEqual([
      ['carol@example.com', true, '11111111-1111-1111-1111-111111111111', 'Platform', undefined],
      ['dan@example.com', false, '22222222-2222-2222-2222-222222222222', 'Platform', undefined],
      ['erin@example.com', true, '33333333-3333-3333-3333-333333333333', 'Platform', '2026-12-04T17:00:00.000Z'],
    ]);
    expect(groups[1]).toEqual({ ref: `entra:${missing}`, found: false, members: [] });
  });

  it('looks up a requester with their manager', async () => {
    tokenEndpoint();
    nock(GRAPH)
      .get('/v1.0/users/carol%40example.com')
      .query({ $select: SELECT })
      .reply(200, graphUser('11111111-1111-1111-1111-111111111111', 'carol@example.com', 'carol@example.com'))
      .get('/v1.0/users/11111111-1111-1111-1111-111111111111/manager')
      .query({ $select: 'mail,userPrincipalName' })
      .reply(200, { '@odata.type': '#microsoft.graph.user', mail: 'dave@example.com', userPrincipalName: 'dave@example.com' })
      .get('/v1.0/users/ghost%40example.com')
      .query(true)
      .reply(404, { error: { code: 'Request_ResourceNotFound' } })
      .get('/v1.0/users')
      .query({ $filter: "mail eq 'ghost@example.com'", $select: SELECT })
      .reply(200, { '@odata.context': `${GRAPH}/v1.0/$metadata#users`, value: [] });
    const people = await entra().fetchPeople(['carol@example.com', 'ghost@example.com']);
    expect(people.notFound).toEqual(['ghost@example.com']);
    expect(people.found).toEqual([
      {
        email: 'carol@example.com',
        active: true,
        objectId: '11111111-1111-1111-1111-111111111111',
        displayName: 'carol',
        team: 'Platform',
        manager: 'dave@example.com',
      },
    ]);
  });

  it('reports a rejected client secret as an authentication failure, and a missing permission as forbidden', async () => {
    nock('https://login.microsoftonline.com')
      .post(`/${TENANT}/oauth2/v2.0/token`)
      .reply(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    await expect(entra().fetchGroups([{ source: 'entra', name: GROUP, ref: `entra:${GROUP}` }])).rejects.toMatchObject({
      code: 'directory_auth_failed',
    });
    tokenEndpoint();
    nock(GRAPH)
      .get(`/v1.0/groups/${GROUP}`)
      .query(true)
      .reply(403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges' } });
    await expect(entra().fetchGroups([{ source: 'entra', name: GROUP, ref: `entra:${GROUP}` }])).rejects.toMatchObject({
      code: 'directory_forbidden',
    });
  });
});
