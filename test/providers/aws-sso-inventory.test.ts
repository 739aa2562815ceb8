import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createAwsSsoProvider } from '../../src/providers/aws-sso/index.js';
import { type FakeIdentityCenter, startFakeIdentityCenter } from '../fixtures/aws-sso/fake-identity-center.js';
import { createFakeState } from './fake-state.js';

const INSTANCE = 'arn:aws:sso:::instance/ssoins-72230d1d4a6b4a3f';
const READ_PS = 'arn:aws:sso:::permissionSet/ssoins-72230d1d4a6b4a3f/ps-5a1b2c3d4e5f6a7b';
const ADMIN_PS = 'arn:aws:sso:::permissionSet/ssoins-72230d1d4a6b4a3f/ps-0f1e2d3c4b5a6978';
const OTHER_PS = 'arn:aws:sso:::permissionSet/ssoins-72230d1d4a6b4a3f/ps-9999999999999999';
const ALICE = '9067d4e2f1-5c3a7b9e-1d2f-4a6b-8c0e-2f4a6b8c0e1d';
const BOB = '9067d4e2f1-aaaaaaaa-1d2f-4a6b-8c0e-2f4a6b8c0e1d';
const CAROL = '9067d4e2f1-cccccccc-1d2f-4a6b-8c0e-2f4a6b8c0e1d';
const OPS_GROUP = '9067d4e2f1-11111111-2222-4333-8444-555555555555';
const ACCOUNT = '111122223333';
const resourceConfig = {
  instanceArn: INSTANCE,
  identityStoreId: 'd-9067c12345',
  region: 'eu-west-1',
  accountId: ACCOUNT,
  principalIdByEmail: { 'bob@example.com': BOB },
};
const levels = { read: { permissionSetArn: READ_PS }, admin: { permissionSetArn: ADMIN_PS, accountId: '444455556666' } };

let fake: FakeIdentityCenter;
let state: ReturnType<typeof createFakeState>;
const make = () =>
  createAwsSsoProvider(
    { state, log: silentLogger },
    {
      clientConfig: { credentials: { accessKeyId: 'AKIDKEYCARDTEST', secretAccessKey: 'test-secret' }, maxAttempts: 1 },
      sleep: async () => {},
      pollIntervalMs: 500,
    },
  );

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  nock.cleanAll();
  fake = startFakeIdentityCenter('eu-west-1');
  fake.users.set('alice@example.com', ALICE);
  state = createFakeState();
});

describe('aws-sso inventory', () => {
  it('reports assignments of the levels’ permission sets that Keycard did not make', async () => {
    const provider = make();
    // Keycard's own: a real grant (recorded in Keycard's state, then assigned).
    await provider.grant({
      grantId: 'KC-77',
      requester: 'alice@example.com',
      resource: 'prod-aws',
      level: 'read',
      levelConfig: levels.read,
      resourceConfig,
      now: new Date('2030-01-01T11:00:00Z'),
      expiresAt: new Date('2030-01-01T12:00:00Z'),
    });
    // Standing: a user (known by email through principalIdByEmail), a user Keycard cannot name, and a group.
    fake.assign(ACCOUNT, READ_PS, BOB);
    fake.assign(ACCOUNT, READ_PS, OPS_GROUP, 'GROUP');
    fake.assign('444455556666', ADMIN_PS, CAROL);
    // Unrelated: another permission set, and the read permission set in another account.
    fake.assign(ACCOUNT, OTHER_PS, CAROL);
    fake.assign('444455556666', READ_PS, CAROL);
    fake.pageSize = 1; // every page is followed

    const callsBefore = fake.calls.length;
    const found = await provider.inventory!({ resource: 'prod-aws', resourceConfig, levels });
    const sort = <T extends { level: string; principal: string }>(list: T[]) =>
      [...list].sort((a, b) => `${a.level}${a.principal}`.localeCompare(`${b.level}${b.principal}`));
    expect(sort(found)).toEqual(
      sort([
        { level: 'read', principal: 'bob@example.com', kind: 'user', via: `account assignment of ps-5a1b2c3d4e5f6a7b in ${ACCOUNT}` },
        { level: 'read', principal: OPS_GROUP, kind: 'group', via: `group account assignment of ps-5a1b2c3d4e5f6a7b in ${ACCOUNT}` },
        { level: 'admin', principal: CAROL, kind: 'user', via: 'account assignment of ps-0f1e2d3c4b5a6978 in 444455556666' },
      ]),
    );
    // Read-only: only ListAccountAssignments was called by the inventory.
    const after = fake.calls.slice(callsBefore);
    expect(new Set(after.map((c) => c.target.replace(/^.*\./, '')))).toEqual(new Set(['ListAccountAssignments']));
  });

  it('maps access denied to auth_failed naming the action', async () => {
    fake.failNext('ListAccountAssignments', 400, 'error-access-denied');
    await expect(make().inventory!({ resource: 'prod-aws', resourceConfig, levels })).rejects.toMatchObject({
      code: 'auth_failed',
      message: expect.stringContaining('sso:ListAccountAssignments'),
    });
  });
});
