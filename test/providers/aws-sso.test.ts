import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderGrantInput, ProviderRevokeInput } from '../../src/core/ports/provider.js';
import { ProviderError } from '../../src/core/ports/provider.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { AWS_SSO_NAMESPACE, type AwsSsoProviderOptions, createAwsSsoProvider } from '../../src/providers/aws-sso/index.js';
import { assignmentKey, type FakeIdentityCenter, startFakeIdentityCenter } from '../fixtures/aws-sso/fake-identity-center.js';
import { createFakeState } from './fake-state.js';

const INSTANCE = 'arn:aws:sso:::instance/ssoins-72230d1d4a6b4a3f';
const PS = 'arn:aws:sso:::permissionSet/ssoins-72230d1d4a6b4a3f/ps-5a1b2c3d4e5f6a7b';
const ALICE = '9067d4e2f1-5c3a7b9e-1d2f-4a6b-8c0e-2f4a6b8c0e1d';
const resourceConfig = { instanceArn: INSTANCE, identityStoreId: 'd-9067c12345', region: 'eu-west-1', accountId: '111122223333' };

let fake: FakeIdentityCenter;
let state: ReturnType<typeof createFakeState>;
let sleeps: number[];
const make = (options: AwsSsoProviderOptions = {}) =>
  createAwsSsoProvider(
    { state, log: silentLogger },
    {
      clientConfig: { credentials: { accessKeyId: 'AKIDKEYCARDTEST', secretAccessKey: 'test-secret' }, maxAttempts: 1 },
      sleep: async (ms) => void sleeps.push(ms),
      pollIntervalMs: 500,
      ...options,
    },
  );

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  nock.cleanAll();
  fake = startFakeIdentityCenter('eu-west-1');
  fake.users.set('alice@example.com', ALICE);
  state = createFakeState();
  sleeps = [];
});

const input = (extra: Partial<ProviderGrantInput> = {}): ProviderGrantInput => ({
  grantId: 'KC-77',
  requester: 'alice@example.com',
  resource: 'prod-aws',
  level: 'admin',
  levelConfig: { permissionSetArn: PS },
  resourceConfig,
  now: new Date('2030-01-01T11:00:00Z'),
  expiresAt: new Date('2030-01-01T12:00:00Z'),
  ...extra,
});
const revokeInput = (grant: ProviderGrantInput, ref: Record<string, unknown> | null): ProviderRevokeInput => {
  const { expiresAt: _e, ...rest } = grant;
  return { ...rest, ref };
};
const failure = async (p: Promise<unknown>): Promise<ProviderError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
};
const assigned = () => fake.assignments.has(assignmentKey('111122223333', PS, 'USER', ALICE));
/** Keycard's state record for a grant, as the database would hold it. */
const recordOf = (grantId: string) => state.dump()[AWS_SSO_NAMESPACE]?.[grantId] as Record<string, unknown> | undefined;
const ref = { instanceArn: INSTANCE, accountId: '111122223333', permissionSetArn: PS, principalId: ALICE };

describe('aws-sso grant', () => {
  it('looks the requester up (signed for identitystore), creates the assignment and polls until SUCCEEDED', async () => {
    fake.pollsBeforeDone = 3;
    const outcome = await make().grant(input());
    expect(outcome).toEqual({ ref });
    expect(assigned()).toBe(true);

    const [lookup] = fake.callsOf('GetUserId');
    expect(lookup?.body).toEqual({
      IdentityStoreId: 'd-9067c12345',
      AlternateIdentifier: { UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'alice@example.com' } },
    });
    expect(lookup?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDKEYCARDTEST\/\d{8}\/eu-west-1\/identitystore\/aws4_request/);
    const [create] = fake.callsOf('CreateAccountAssignment');
    expect(create?.body).toEqual({
      InstanceArn: INSTANCE,
      TargetId: '111122223333',
      TargetType: 'AWS_ACCOUNT',
      PermissionSetArn: PS,
      PrincipalType: 'USER',
      PrincipalId: ALICE,
    });
    expect(create?.authorization).toContain('/eu-west-1/sso/aws4_request');
    expect(fake.callsOf('DescribeAccountAssignmentCreationStatus')).toHaveLength(4);
    expect(sleeps).toEqual([500, 500, 500, 500]);
    expect(recordOf('KC-77')).toMatchObject({
      status: 'active',
      principalId: ALICE,
      expiresAt: '2030-01-01T12:00:00.000Z',
    });
  });

  it('uses principalIdByEmail without asking the identity store, and emails.value when configured', async () => {
    const mapped = { ...resourceConfig, principalIdByEmail: { 'alice@example.com': ALICE } };
    await make().grant(input({ resourceConfig: mapped }));
    expect(fake.callsOf('GetUserId')).toEqual([]);

    await make().grant(input({ grantId: 'KC-78', resourceConfig: { ...resourceConfig, userAttribute: 'emails.value' } }));
    expect(fake.callsOf('GetUserId')[0]?.body).toMatchObject({
      AlternateIdentifier: { UniqueAttribute: { AttributePath: 'emails.value' } },
    });
  });

  it('reports an unknown requester as not_found with the fix, creating nothing', async () => {
    const err = await failure(make().grant(input({ requester: 'mallory@example.com' })));
    expect(err.code).toBe('not_found');
    expect(err.message).toContain('principalIdByEmail');
    expect(fake.callsOf('CreateAccountAssignment')).toEqual([]);
  });

  it('turns a FAILED creation into a clear error with the reason, and forgets the record', async () => {
    fake.failNextOperation('create', 'Received a 404 status error: Not supported policy arn:aws:iam::aws:policy/ReadOnlyAccesss.');
    const err = await failure(make().grant(input()));
    expect(err.message).toMatch(/could not create the assignment \(request [0-9a-f-]{36}\): Received a 404 status error/);
    expect(recordOf('KC-77')).toBeUndefined();
  });

  it('gives up after maxWaitMs with a retryable unavailable naming the request, and the retry resumes it', async () => {
    fake.pollsBeforeDone = 5;
    const provider = make({ maxWaitMs: 1_500 });
    const err = await failure(provider.grant(input()));
    expect(err.code).toBe('unavailable');
    expect(err.retryable).toBe(true);
    const requestId = recordOf('KC-77')?.requestId;
    expect(err.message).toContain(`request ${String(requestId)}`);

    await provider.grant(input());
    expect(fake.callsOf('CreateAccountAssignment')).toHaveLength(1);
    expect(assigned()).toBe(true);
  });

  it('refuses to take over a standing assignment Keycard did not make', async () => {
    fake.assign('111122223333', PS, ALICE);
    const err = await failure(make().grant(input()));
    expect(err.code).toBe('conflict');
    expect(err.retryable).toBe(false);
    expect(fake.callsOf('CreateAccountAssignment')).toEqual([]);
    expect(state.dump()[AWS_SSO_NAMESPACE]).toBeUndefined();
  });

  it('needs an account id from the level or the resource', async () => {
    const { accountId: _a, ...noAccount } = resourceConfig;
    const err = await failure(make().grant(input({ resourceConfig: noAccount })));
    expect(err.code).toBe('invalid_config');
    await make().grant(input({ resourceConfig: noAccount, levelConfig: { permissionSetArn: PS, accountId: '444455556666' } }));
    expect(fake.callsOf('CreateAccountAssignment')[0]?.body.TargetId).toBe('444455556666');
  });
});

describe('aws-sso revoke, list, verify, extend', () => {
  it('deletes the assignment, polls DescribeAccountAssignmentDeletionStatus, then forgets the record', async () => {
    const provider = make();
    const grant = input();
    await provider.grant(grant);
    expect(await provider.verifyRevoked?.(revokeInput(grant, ref))).toBe(false);
    await provider.revoke(revokeInput(grant, ref));
    expect(assigned()).toBe(false);
    expect(fake.callsOf('DeleteAccountAssignment')[0]?.body).toEqual(fake.callsOf('CreateAccountAssignment')[0]?.body);
    expect(fake.callsOf('DescribeAccountAssignmentDeletionStatus').length).toBeGreaterThan(0);
    expect(recordOf('KC-77')).toBeUndefined();
    expect(await provider.verifyRevoked?.(revokeInput(grant, ref))).toBe(true);
  });

  it('treats an assignment already gone, or ResourceNotFound on delete, as revoked', async () => {
    const provider = make();
    await provider.grant(input());
    fake.assignments.clear();
    await provider.revoke(revokeInput(input(), null));
    expect(fake.callsOf('DeleteAccountAssignment')).toEqual([]);

    fake.assign('111122223333', PS, ALICE);
    fake.failNext('DeleteAccountAssignment', 400, 'error-resource-not-found');
    await expect(provider.revoke(revokeInput(input(), ref))).resolves.toBeUndefined();
  });

  it('keeps the record when the deletion FAILED (retryable) and completes on retry', async () => {
    const provider = make();
    await provider.grant(input());
    fake.failNextOperation('delete', 'Request failed due to an internal error');
    const err = await failure(provider.revoke(revokeInput(input(), ref)));
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('Request failed due to an internal error');
    expect(recordOf('KC-77')?.status).toBe('deleting');
    await provider.revoke(revokeInput(input(), ref));
    expect(assigned()).toBe(false);
  });

  it('leaves an assignment another live Keycard grant rests on, and removes it with the last one', async () => {
    const provider = make();
    await provider.grant(input({ grantId: 'KC-1' }));
    await provider.grant(input({ grantId: 'KC-2', resource: 'prod-aws-2' }));
    expect(fake.callsOf('CreateAccountAssignment')).toHaveLength(1);
    await provider.revoke(revokeInput(input({ grantId: 'KC-1' }), ref));
    expect(assigned()).toBe(true);
    await provider.revoke(revokeInput(input({ grantId: 'KC-2', resource: 'prod-aws-2' }), ref));
    expect(assigned()).toBe(false);
  });

  it('lists only recorded assignments of the resource that still exist, across pages', async () => {
    const provider = make();
    for (let i = 1; i <= 4; i++) fake.assign('111122223333', PS, `9067d4e2f1-00000000-0000-4000-8000-00000000000${i}`);
    await provider.grant(input());
    await provider.grant(input({ grantId: 'KC-9', resource: 'other' }));
    await state.put(AWS_SSO_NAMESPACE, 'KC-8', {
      ...ref,
      principalId: '9067d4e2f1-00000000-0000-4000-8000-00000000000f',
      grantId: 'KC-8',
      resource: 'prod-aws',
      level: 'admin',
      requester: 'gone@example.com',
      expiresAt: '2030-01-01T12:00:00.000Z',
      status: 'active',
    });
    fake.calls.length = 0;
    const listed = await provider.list({ resource: 'prod-aws', resourceConfig, levels: { admin: { permissionSetArn: PS } } });
    expect(listed).toEqual([{ grantId: 'KC-77', ref, principal: 'alice@example.com', expiresAt: new Date('2030-01-01T12:00:00Z') }]);
    expect(fake.callsOf('ListAccountAssignments').length).toBe(3);
  });

  it('extend moves the recorded expiry', async () => {
    const provider = make();
    await provider.grant(input());
    await provider.extend?.({ ...revokeInput(input(), ref), expiresAt: new Date('2030-01-01T13:00:00Z') });
    expect(recordOf('KC-77')?.expiresAt).toBe('2030-01-01T13:00:00.000Z');
  });

  it('refuses a ref that is not an account assignment', async () => {
    const err = await failure(make().revoke(revokeInput(input({ grantId: 'KC-404' }), { role: 'x' })));
    expect(err.code).toBe('invalid_config');
  });
});
