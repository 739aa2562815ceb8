import nock from 'nock';
import { afterAll, beforeAll } from 'vitest';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { awsSsoSchemas, createAwsSsoProvider } from '../../src/providers/aws-sso/index.js';
import { startFakeIdentityCenter } from '../fixtures/aws-sso/fake-identity-center.js';
import { runProviderContract } from './contract.js';
import { createFakeState } from './fake-state.js';

const PERMISSION_SET = 'arn:aws:sso:::permissionSet/ssoins-72230d1d4a6b4a3f/ps-5a1b2c3d4e5f6a7b';
const resourceConfig = {
  instanceArn: 'arn:aws:sso:::instance/ssoins-72230d1d4a6b4a3f',
  identityStoreId: 'd-9067c12345',
  region: 'eu-west-1',
  accountId: '111122223333',
};

beforeAll(() => {
  nock.disableNetConnect();
  const fake = startFakeIdentityCenter('eu-west-1');
  fake.users.set('alice@example.com', '9067d4e2f1-5c3a7b9e-1d2f-4a6b-8c0e-2f4a6b8c0e1d');
  // Someone else's standing assignment to the same permission set: list must never report it.
  fake.assign('111122223333', PERMISSION_SET, '9067d4e2f1-00000000-0000-4000-8000-000000000001');
});
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

runProviderContract(
  'aws-sso',
  async () => {
    const provider = createAwsSsoProvider(
      { state: createFakeState(), log: silentLogger },
      {
        clientConfig: { credentials: { accessKeyId: 'AKIDKEYCARDTEST', secretAccessKey: 'test-secret' }, maxAttempts: 1 },
        sleep: async () => {},
      },
    );
    const levels = { admin: { permissionSetArn: PERMISSION_SET } };
    return {
      provider,
      input: { requester: 'alice@example.com', resource: 'prod-aws', level: 'admin', levelConfig: levels.admin, resourceConfig },
      listInput: { resource: 'prod-aws', resourceConfig, levels },
      teardown: async () => provider.close?.(),
    };
  },
  {
    schemas: awsSsoSchemas,
    validLevelConfig: { permissionSetArn: PERMISSION_SET, accountId: '444455556666' },
    invalidLevelConfig: { permissionSetArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
    expectsCredential: false,
  },
);
