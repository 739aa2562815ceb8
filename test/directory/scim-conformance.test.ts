import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policySchema } from '../../src/core/policy/schema.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createDirectoryRuntime, type DirectoryRuntime } from '../../src/directory/runtime.js';
import { createScimDirectory } from '../../src/directory/scim/index.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { basePolicyInput } from '../fixtures/policy.js';
import { createTestStore, type TestStore } from '../helpers/db.js';
import { oktaUser, SCIM_TOKEN, scim } from './helpers.js';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('SCIM 2.0 endpoint (the operations Okta and Entra send)', () => {
  let testStore: TestStore;
  let http: HttpServer;
  let runtime: DirectoryRuntime;
  let port: number;
  const policy = policySchema.parse({
    ...basePolicyInput,
    tiers: { ...basePolicyInput.tiers, high: { upTo: 74, approvals: 1, approvers: ['scim:DB Owners'] } },
  });

  beforeAll(async () => {
    testStore = await createTestStore('pglite');
    const store = testStore.store;
    const clock = { now: () => new Date() };
    const scimDirectory = createScimDirectory({
      store: () => store.directory,
      token: SCIM_TOKEN,
      clock,
      ids: { uuid: randomUUID },
      log: silentLogger,
      track: (write, describe) => runtime.track(write, describe),
    });
    runtime = createDirectoryRuntime({
      sources: [scimDirectory.source],
      store,
      policy: () => policy,
      clock,
      log: silentLogger,
      maxStalenessMs: 3_600_000,
      refreshIntervalMs: 300_000,
    });
    http = createHttpServer({ log: silentLogger, ready: async () => ({ ok: true, checks: {} }) });
    for (const route of scimDirectory.routes) http.route(route.path, route.handler);
    port = await http.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await http.close();
    await testStore.close();
  });

  it('refuses a missing or wrong bearer token with a SCIM error', async () => {
    for (const token of ['', 'wrong-token-wrong-token-wrong-token']) {
      const answer = await scim(port, 'GET', '/Users', undefined, token);
      expect(answer).toEqual({ status: 401, body: { schemas: [ERROR], status: '401', detail: 'a valid bearer token is required' } });
    }
  });

  it('refuses malformed bodies, filters and paths with SCIM error types, and changes nothing', async () => {
    expect(await scim(port, 'POST', '/Users', '{"userName":')).toMatchObject({
      status: 400,
      body: { schemas: [ERROR], scimType: 'invalidSyntax' },
    });
    expect(await scim(port, 'POST', '/Users', { schemas: [] })).toMatchObject({
      status: 400,
      body: { scimType: 'invalidValue', detail: 'userName is required' },
    });
    expect(await scim(port, 'POST', '/Users', { userName: 'no-email' })).toMatchObject({ status: 400, body: { scimType: 'invalidValue' } });
    expect(await scim(port, 'GET', '/Users?filter=userName%20co%20%22a%22')).toMatchObject({
      status: 400,
      body: { scimType: 'invalidFilter' },
    });
    expect(await scim(port, 'GET', '/Users/nope')).toMatchObject({ status: 404, body: { schemas: [ERROR], status: '404' } });
    expect(await scim(port, 'GET', '/Widgets')).toMatchObject({ status: 404 });
    expect((await scim(port, 'GET', '/Users')).body).toMatchObject({ totalResults: 0 });
  });

  it('creates, finds by filter, replaces and deactivates a user (Okta)', async () => {
    const created = await scim(port, 'POST', '/Users', oktaUser('okta.person@example.com'));
    expect(created).toMatchObject({
      status: 201,
      body: { userName: 'okta.person@example.com', active: true, meta: { resourceType: 'User' } },
    });
    const id = String(created.body.id);
    expect(await scim(port, 'POST', '/Users', oktaUser('OKTA.person@example.com'))).toMatchObject({
      status: 409,
      body: { scimType: 'uniqueness' },
    });
    const found = await scim(
      port,
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "okta.person@example.com"')}&startIndex=1&count=100`,
    );
    expect(found.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 1,
      startIndex: 1,
      itemsPerPage: 1,
    });
    expect((found.body.Resources as Array<{ id: string }>)[0]?.id).toBe(id);
    const replaced = await scim(port, 'PUT', `/Users/${id}`, oktaUser('okta.person@example.com', { displayName: 'Okta Person', id }));
    expect(replaced).toMatchObject({ status: 200, body: { displayName: 'Okta Person', meta: { version: 'W/"2"' } } });
    const deactivated = await scim(port, 'PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { id, active: false } }],
    });
    expect(deactivated).toMatchObject({ status: 200, body: { active: false } });
    expect((await testStore.store.directory.getUser(id))?.active).toBe(false);
  });

  it('applies Entra PATCH operations (capitalised ops, string booleans, filtered and extension paths)', async () => {
    const created = await scim(port, 'POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      externalId: 'entra-1',
      userName: 'entra.person@example.com',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'entra.person@example.com' }],
      name: { givenName: 'Entra', familyName: 'Person' },
    });
    const id = String(created.body.id);
    const patched = await scim(port, 'PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'entra.renamed@example.com' },
        { op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'SRE' },
        { op: 'Replace', path: 'displayName', value: 'Entra Renamed' },
        { op: 'Replace', path: 'active', value: 'False' },
      ],
    });
    expect(patched).toMatchObject({ status: 200, body: { active: false, displayName: 'Entra Renamed' } });
    const stored = await testStore.store.directory.getUser(id);
    expect(stored).toMatchObject({ email: 'entra.renamed@example.com', department: 'SRE', active: false });
    expect(await scim(port, 'PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'Move', path: 'active' }] })).toMatchObject({
      status: 400,
      body: { scimType: 'invalidSyntax' },
    });
    expect(
      await scim(port, 'PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'maybe' }] }),
    ).toMatchObject({
      status: 400,
      body: { scimType: 'invalidValue' },
    });
  });

  it('manages group members as Okta and Entra do, and audits changes to an approver group', async () => {
    const carol = String((await scim(port, 'POST', '/Users', oktaUser('carol.scim@example.com'))).body.id);
    const dan = String((await scim(port, 'POST', '/Users', oktaUser('dan.scim@example.com'))).body.id);
    const group = await scim(port, 'POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'DB Owners',
      members: [],
    });
    expect(group).toMatchObject({ status: 201, body: { displayName: 'DB Owners', members: [] } });
    const id = String(group.body.id);
    // Entra adds members with a capitalised op and a list value.
    await scim(port, 'PATCH', `/Groups/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Add', path: 'members', value: [{ value: carol }, { value: dan }] }],
    });
    expect(runtime.policy().groups['scim:DB Owners']?.sort()).toEqual(['carol.scim@example.com', 'dan.scim@example.com']);
    // Entra removes with a filtered path; Okta with a value list.
    await scim(port, 'PATCH', `/Groups/${id}`, { schemas: [PATCH], Operations: [{ op: 'Remove', path: `members[value eq "${carol}"]` }] });
    await scim(port, 'PATCH', `/Groups/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: 'members', value: [{ value: dan }] }],
    });
    expect(runtime.policy().groups['scim:DB Owners']).toEqual([]);
    const listed = await scim(port, 'GET', `/Groups?filter=${encodeURIComponent('displayName eq "db owners"')}&excludedAttributes=members`);
    expect(listed.body).toMatchObject({ totalResults: 1 });
    expect((listed.body.Resources as Array<Record<string, unknown>>)[0]).not.toHaveProperty('members');
    const renamed = await scim(port, 'PATCH', `/Groups/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { id, displayName: 'DB Owners EU' } }],
    });
    expect(renamed).toMatchObject({ status: 200, body: { displayName: 'DB Owners EU' } });
    expect(
      await scim(port, 'PATCH', `/Groups/${id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'owners', value: [] }] }),
    ).toMatchObject({
      status: 400,
      body: { scimType: 'invalidPath' },
    });
    expect((await scim(port, 'DELETE', `/Groups/${id}`)).status).toBe(204);
    expect((await scim(port, 'GET', `/Groups/${id}`)).status).toBe(404);

    const audit = await testStore.store.readAudit({});
    const changes = audit.filter((e) => e.action === 'directory.membership_changed').map((e) => e.details);
    expect(changes).toEqual([
      { group: 'scim:DB Owners', added: ['carol.scim@example.com', 'dan.scim@example.com'], removed: [] },
      { group: 'scim:DB Owners', added: [], removed: ['carol.scim@example.com'] },
      { group: 'scim:DB Owners', added: [], removed: ['dan.scim@example.com'] },
    ]);
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['scim.group.created', 'scim.group.patched', 'scim.group.deleted']));
  });

  it('serves the ServiceProviderConfig Entra checks', async () => {
    expect((await scim(port, 'GET', '/ServiceProviderConfig')).body).toMatchObject({
      patch: { supported: true },
      filter: { supported: true },
    });
  });
});
