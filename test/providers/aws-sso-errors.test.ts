import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderGrantInput } from '../../src/core/ports/provider.js';
import { ProviderError } from '../../src/core/ports/provider.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { type AwsSsoProviderOptions, awsSsoSchemas, createAwsSsoProvider } from '../../src/providers/aws-sso/index.js';
import { type FakeIdentityCenter, startFakeIdentityCenter } from '../fixtures/aws-sso/fake-identity-center.js';
import { createFakeState } from './fake-state.js';

const SECRET = 'test-secret-never-in-messages';
const PS = 'arn:aws:sso:::permissionSet/ssoins-72230d1d4a6b4a3f/ps-5a1b2c3d4e5f6a7b';
const resourceConfig = {
  instanceArn: 'arn:aws:sso:::instance/ssoins-72230d1d4a6b4a3f',
  identityStoreId: 'd-9067c12345',
  region: 'eu-west-1',
  accountId: '111122223333',
};
let fake: FakeIdentityCenter;
const make = (options: AwsSsoProviderOptions = {}) =>
  createAwsSsoProvider(
    { state: createFakeState(), log: silentLogger },
    {
      clientConfig: { credentials: { accessKeyId: 'AKIDKEYCARDTEST', secretAccessKey: SECRET }, maxAttempts: 1 },
      sleep: async () => {},
      ...options,
    },
  );

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  nock.cleanAll();
  fake = startFakeIdentityCenter('eu-west-1');
  fake.users.set('alice@example.com', '9067d4e2f1-5c3a7b9e-1d2f-4a6b-8c0e-2f4a6b8c0e1d');
});

const input = (extra: Partial<ProviderGrantInput> = {}): ProviderGrantInput => ({
  grantId: 'KC-5',
  requester: 'alice@example.com',
  resource: 'prod-aws',
  level: 'admin',
  levelConfig: { permissionSetArn: PS },
  resourceConfig,
  now: new Date('2030-01-01T11:00:00Z'),
  expiresAt: new Date('2030-01-01T12:00:00Z'),
  ...extra,
});
const failure = async (p: Promise<unknown>): Promise<ProviderError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  expect((err as Error).message).not.toContain(SECRET);
  return err as ProviderError;
};

describe('aws-sso error mapping', () => {
  it.each([
    ['AccessDeniedException', 400, 'error-access-denied', 'auth_failed', false, 'needs sso:CreateAccountAssignment'],
    ['ThrottlingException', 400, 'error-throttling', 'rate_limited', true, 'Rate exceeded'],
    ['ConflictException', 400, 'error-conflict', 'conflict', true, 'another operation is in progress'],
    ['ValidationException', 400, 'error-validation', 'invalid_config', false, 'failed to satisfy constraint'],
    ['ResourceNotFoundException', 400, 'error-resource-not-found', 'not_found', false, 'Could not find PermissionSet'],
    ['InternalServerException', 500, 'error-internal', 'unavailable', true, 'unknown error'],
  ] as const)('%s on CreateAccountAssignment → %s', async (_name, status, fixture, code, retryable, text) => {
    fake.failNext('CreateAccountAssignment', status, fixture);
    const err = await failure(make().grant(input()));
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.message).toContain(text);
    expect(err.message).toContain('aws-sso eu-west-1 (grant on prod-aws: CreateAccountAssignment)');
    expect(err.message).toMatch(/request id [0-9a-f-]{36}/);
  });

  it('AccessDenied on the identity store lookup names identitystore:GetUserId', async () => {
    fake.failNext('GetUserId', 400, 'error-access-denied');
    const err = await failure(make().grant(input()));
    expect(err.code).toBe('auth_failed');
    expect(err.message).toContain('identitystore:GetUserId');
  });

  it('AccessDenied on ListAccountAssignments during revoke names that action', async () => {
    fake.failNext('ListAccountAssignments', 400, 'error-access-denied');
    const provider = make();
    const ref = {
      instanceArn: resourceConfig.instanceArn,
      accountId: '111122223333',
      permissionSetArn: PS,
      principalId: '9067d4e2f1-5c3a7b9e-1d2f-4a6b-8c0e-2f4a6b8c0e1d',
    };
    const { expiresAt: _e, ...rest } = input();
    const err = await failure(provider.revoke({ ...rest, ref }));
    expect(err.code).toBe('auth_failed');
    expect(err.message).toContain('sso:ListAccountAssignments');
  });

  it('a refused connection or a non-JSON 503 → unavailable (retryable)', async () => {
    nock.cleanAll();
    nock('https://identitystore.eu-west-1.amazonaws.com')
      .post('/')
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }));
    const refused = await failure(make().grant(input()));
    expect(refused).toMatchObject({ code: 'unavailable', retryable: true });

    nock('https://sso.eu-west-1.amazonaws.com').post('/').reply(503, '<html>Service Unavailable</html>');
    const mapped = { ...resourceConfig, principalIdByEmail: { 'alice@example.com': '9067d4e2f1-5c3a7b9e-1d2f-4a6b-8c0e-2f4a6b8c0e1d' } };
    const html = await failure(make().grant(input({ resourceConfig: mapped })));
    expect(html).toMatchObject({ code: 'unavailable', retryable: true });
  });

  it('no AWS credentials → auth_failed naming how to provide them', async () => {
    const noCredentials = async () => {
      throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    };
    const err = await failure(make({ clientConfig: { credentials: noCredentials, maxAttempts: 1 } }).grant(input()));
    expect(err.code).toBe('auth_failed');
    expect(err.message).toContain('IAM role');
  });

  it('invalid config is rejected before any request', async () => {
    const err = await failure(make().grant(input({ resourceConfig: { ...resourceConfig, region: 'Europe' } })));
    expect(err.code).toBe('invalid_config');
    expect(fake.calls).toEqual([]);
  });
});

describe('aws-sso schemas', () => {
  it.each([
    [resourceConfig, true],
    [{ ...resourceConfig, endpoint: 'https://vpce-0abc.sso.eu-west-1.vpce.amazonaws.com', userAttribute: 'emails.value' }, true],
    [{ ...resourceConfig, principalIdByEmail: { 'a@example.com': '9067d4e2f1-5c3a7b9e-1d2f-4a6b-8c0e-2f4a6b8c0e1d' } }, true],
    [{ ...resourceConfig, principalIdByEmail: { 'a@example.com': 'alice' } }, false],
    [{ ...resourceConfig, instanceArn: 'arn:aws:sso:::instance/nope' }, false],
    [{ ...resourceConfig, accountId: '1234' }, false],
    [{ ...resourceConfig, endpoint: 'https://AKID:secret@sso.example.com' }, false],
    [{ ...resourceConfig, accessKeyId: 'AKIA…' }, false],
  ])('resource config %j valid: %s', (config, ok) => {
    expect(awsSsoSchemas.resourceConfig.safeParse(config).success).toBe(ok);
  });
});
