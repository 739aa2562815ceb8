import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reconcileText } from '../../src/cli/reconcile-text.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import { reconcile } from '../../src/core/lifecycle/reconcile.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { tick } from '../../src/core/scheduler/jobs.js';
import { AWS_SSO_NAMESPACE, createAwsSsoProvider } from '../../src/providers/aws-sso/index.js';
import { assignmentKey, type FakeIdentityCenter, startFakeIdentityCenter } from '../fixtures/aws-sso/fake-identity-center.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { createFakeState } from '../providers/fake-state.js';

const INSTANCE = 'arn:aws:sso:::instance/ssoins-72230d1d4a6b4a3f';
const READ_PS = 'arn:aws:sso:::permissionSet/ssoins-72230d1d4a6b4a3f/ps-5a1b2c3d4e5f6a7b';
const ACCOUNT = '111122223333';
const ALICE = '9067d4e2f1-5c3a7b9e-1d2f-4a6b-8c0e-2f4a6b8c0e1d';
const MALLORY = '9067d4e2f1-dddddddd-1d2f-4a6b-8c0e-2f4a6b8c0e1d';
const EVE = '9067d4e2f1-eeeeeeee-1d2f-4a6b-8c0e-2f4a6b8c0e1d';
const OPS_GROUP = '9067d4e2f1-11111111-2222-4333-8444-555555555555';
const config = { instanceArn: INSTANCE, identityStoreId: 'd-9067c12345', region: 'eu-west-1', accountId: ACCOUNT };
const levels = { read: { permissionSetArn: READ_PS } };
const APPROVERS = ['carol@example.com', 'dave@example.com', 'bob@example.com'];

/**
 * AWS IAM Identity Center at the same points as the real-Postgres tests, against an in-memory SSO Admin /
 * Identity Store API behind nock (async create/delete with status polling, paged ListAccountAssignments).
 * Account assignments carry no label, tag or expiry: Keycard knows its own by the record it writes in its
 * state store, so a "forged label" cannot exist there; what someone assigns by hand is standing access.
 */
describe('aws-sso grant truth', () => {
  let h: Harness;
  let fake: FakeIdentityCenter;
  let state: ReturnType<typeof createFakeState>;
  let aws: ReturnType<typeof createAwsSsoProvider>;
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    nock.cleanAll();
    fake = startFakeIdentityCenter('eu-west-1');
    fake.pageSize = 1; // every list follows NextToken through all pages
    fake.users.set('alice@example.com', ALICE);
    fake.users.set('mallory@example.com', MALLORY);
    state = createFakeState();
    aws = createAwsSsoProvider(
      { state, log: silentLogger },
      {
        clientConfig: { credentials: { accessKeyId: 'AKIDKEYCARDTEST', secretAccessKey: 'test-secret' }, maxAttempts: 1 },
        sleep: async () => {},
        pollIntervalMs: 500,
      },
    );
  });
  afterEach(async () => {
    await aws.close();
    await h?.close();
  });

  const policy = (unknown: 'report' | 'revoke' = 'report') =>
    makePolicy({
      resources: {
        ...basePolicyInput.resources,
        'prod-aws': { provider: 'aws-sso', sensitivity: 'high', levels, minDuration: '10s', maxDuration: '4h', config },
      },
      reconcile: { every: '5m', unknown },
    });
  const run = (actor: string, text: string) => handleCommand(h.deps, { actor, text, origin: { platform: 'console', user: actor } });
  const approve = async (n: number) => {
    for (const a of APPROVERS) if ((await h.deps.store.getRequestByNumber(n))?.status === 'pending') await run(a, `approve KC-${n}`);
    return (await h.deps.store.getRequestByNumber(n))!;
  };
  const grantActive = async () => {
    h = await createHarness('pglite', { policy: policy(), providers: { 'aws-sso': aws }, start: new Date() });
    await run('alice@example.com', '/access prod-aws 30m read checking the billing alarms INC-7');
    const grant = await approve(1);
    expect(grant.status).toBe('active');
    expect(fake.assignments.has(assignmentKey(ACCOUNT, READ_PS, 'USER', ALICE))).toBe(true);
    return grant;
  };
  const recordExpiry = (grantId: string) => (state.dump()[AWS_SSO_NAMESPACE]?.[grantId] as { expiresAt?: string } | undefined)?.expiresAt;
  const listInput = { resource: 'prod-aws', resourceConfig: config, levels };

  it('extension and overlap merge move the expiry of Keycard’s assignment record, without touching the assignment', async () => {
    const grant = await grantActive();
    expect(recordExpiry('KC-1')).toBe(grant.expiresAt?.toISOString());
    const mutations = () => fake.calls.filter((c) => /(Create|Delete)AccountAssignment$/.test(c.target)).length;
    const before = mutations();

    await run('alice@example.com', 'extend KC-1 30m more');
    expect((await approve(2)).status).toBe('merged');
    const extended = (await h.deps.store.getRequestByNumber(1))!.expiresAt!;
    expect(extended.getTime()).toBe(grant.expiresAt!.getTime() + 30 * 60_000);
    expect(recordExpiry('KC-1')).toBe(extended.toISOString());
    expect((await aws.list(listInput)).find((g) => g.grantId === 'KC-1')?.expiresAt?.getTime()).toBe(extended.getTime());

    h.clock.advance(10 * 60_000);
    await run('alice@example.com', '/access prod-aws 2h read follow-up on INC-7');
    expect((await approve(3)).status).toBe('merged');
    const merged = (await h.deps.store.getRequestByNumber(1))!.expiresAt!;
    expect(merged.getTime()).toBe(h.clock.now().getTime() + 2 * 3_600_000);
    expect(recordExpiry('KC-1')).toBe(merged.toISOString());
    // An assignment has no expiry at AWS: nothing was created or deleted to extend it.
    expect(mutations()).toBe(before);
    expect(fake.assignments.has(assignmentKey(ACCOUNT, READ_PS, 'USER', ALICE))).toBe(true);
  });

  it('an extension of a grant whose record is gone is refused with the reason, the expiry stays', async () => {
    const grant = await grantActive();
    await state.delete(AWS_SSO_NAMESPACE, 'KC-1');
    await run('alice@example.com', 'extend KC-1 30m more');
    const ext = await approve(2);
    expect(ext.status).toBe('failed');
    expect(ext.lastError).toContain('has no assignment record; it cannot be extended');
    expect((await h.deps.store.getRequestByNumber(1))!.expiresAt?.getTime()).toBe(grant.expiresAt?.getTime());
  });

  it('a leftover assignment is drift, hand-made ones are standing access (never Keycard’s), a deleted one makes the grant lost', async () => {
    await grantActive();
    // A crashed grant's leftover: Keycard's record and assignment for KC-77, which Keycard's database never granted.
    const now = h.clock.now();
    await aws.grant({
      ...listInput,
      grantId: 'KC-77',
      requester: 'mallory@example.com',
      level: 'read',
      levelConfig: levels.read,
      now,
      expiresAt: new Date(now.getTime() + 3_600_000),
    });
    // Assigned by hand in the console: a user and a group. No label at AWS can make these look like Keycard's.
    fake.assign(ACCOUNT, READ_PS, EVE);
    fake.assign(ACCOUNT, READ_PS, OPS_GROUP, 'GROUP');

    const first = await reconcile(h.deps, h.clock.advance(1_000));
    expect(first.orphans).toEqual([
      {
        resource: 'prod-aws',
        grantId: 'KC-77',
        principal: 'mallory@example.com',
        known: 'unknown',
        reason: 'no_live_grant',
        action: 'reported',
      },
    ]);
    expect(first.missing).toEqual([]);
    // One assignment per page: only following NextToken finds them all.
    expect(fake.callsOf('ListAccountAssignments').some((c) => typeof c.body.NextToken === 'string')).toBe(true);
    expect(first.standing.map((s) => [s.principal, s.isNew]).sort()).toEqual([
      [OPS_GROUP, true],
      [EVE, true],
    ]);
    const alerts = () => h.chat.events.filter((e) => e.type === 'alert').map((e) => (e.type === 'alert' ? e.alert.text : ''));
    expect(alerts().join('\n')).toContain('KC-77');
    expect(alerts().join('\n')).toContain(`${EVE} has standing access outside Keycard`);
    const text = reconcileText(first).out.join('\n');
    expect(text).toContain('drift    prod-aws KC-77 mallory@example.com · no live grant');
    expect(text).toContain(`standing prod-aws (read) ${EVE}`);
    expect(text).not.toContain('No drift');
    const audited = (await h.deps.store.readAudit({})).map((e) => e.action);
    expect(audited.filter((a) => a === 'reconcile.drift_reported')).toHaveLength(1);
    expect(audited.filter((a) => a === 'reconcile.standing_access')).toHaveLength(2);

    // Once per finding: a second pass reports the same and alerts nothing new.
    const alertCount = alerts().length;
    const second = await reconcile(h.deps, h.clock.advance(300_000));
    expect(second.orphans).toHaveLength(1);
    expect(second.standing.every((s) => !s.isNew)).toBe(true);
    expect(alerts()).toHaveLength(alertCount);

    // Alice's assignment deleted in the console: her grant is lost. In revoke mode the leftover goes, hand-made ones stay.
    fake.assignments.delete(assignmentKey(ACCOUNT, READ_PS, 'USER', ALICE));
    const third = await reconcile(h.deps, h.clock.advance(1_000), { mode: 'revoke' });
    expect(third.missing).toEqual([{ resource: 'prod-aws', grantId: 'KC-1', principal: 'alice@example.com', action: 'marked_lost' }]);
    expect(third.orphans).toMatchObject([{ grantId: 'KC-77', action: 'revoked' }]);
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('lost');
    expect(fake.assignments.has(assignmentKey(ACCOUNT, READ_PS, 'USER', MALLORY))).toBe(false);
    expect(fake.callsOf('DescribeAccountAssignmentDeletionStatus').length).toBeGreaterThan(0);
    expect(fake.assignments.has(assignmentKey(ACCOUNT, READ_PS, 'USER', EVE))).toBe(true);
    expect(fake.assignments.has(assignmentKey(ACCOUNT, READ_PS, 'GROUP', OPS_GROUP))).toBe(true);
    expect(state.dump()[AWS_SSO_NAMESPACE]?.['KC-77']).toBeUndefined();
    expect(h.chat.dms('alice@example.com', 'info').some((d) => 'text' in d.message && d.message.text.includes('credential is gone'))).toBe(
      true,
    );
  });

  it('a grant for a user who already holds the permission set by hand is refused, not taken over', async () => {
    h = await createHarness('pglite', { policy: policy(), providers: { 'aws-sso': aws }, start: new Date() });
    fake.assign(ACCOUNT, READ_PS, ALICE);
    await run('alice@example.com', '/access prod-aws 30m read checking the billing alarms INC-7');
    const grant = await approve(1);
    expect(grant.status).toBe('failed');
    expect(grant.lastError).toContain('through an assignment Keycard did not make');
    expect(fake.assignments.has(assignmentKey(ACCOUNT, READ_PS, 'USER', ALICE))).toBe(true);
    expect((await reconcile(h.deps, h.clock.advance(1_000))).standing.map((s) => s.principal)).toEqual([ALICE]);
  });

  it('a revoke failing while Identity Center is down escalates, counts as drift, and heals within one interval of the recovery', async () => {
    const grant = await grantActive();
    fake.outage('DeleteAccountAssignment', 500, 'error-internal');
    await run('alice@example.com', 'release KC-1 done');
    for (let s = 0; s < 600; s += 1) await tick(h.deps, h.clock.advance(1_000));
    const failing = (await h.deps.store.getRequestByNumber(1))!;
    expect(failing.status).toBe('revoke_failed');
    expect(failing.attempts).toBeGreaterThanOrEqual(7);
    expect(failing.lastError).toContain('DeleteAccountAssignment): InternalServerException');
    expect(fake.assignments.has(assignmentKey(ACCOUNT, READ_PS, 'USER', ALICE))).toBe(true);
    expect(h.chat.dms(undefined, 'revoke_failed').length).toBeGreaterThan(0);
    const drift = await reconcile(h.deps, h.clock.now());
    expect(drift.orphans).toMatchObject([{ grantId: 'KC-1', reason: 'revoke_failed', action: 'retrying' }]);
    expect(reconcileText(drift).out.join('\n')).not.toContain('No drift');

    fake.restore();
    const restoredAt = h.clock.now().getTime();
    let healedAfterMs = -1;
    for (let s = 0; s < 400 && healedAfterMs < 0; s += 1) {
      await tick(h.deps, h.clock.advance(1_000));
      if ((await h.deps.store.getRequestByNumber(1))?.status === 'revoked') healedAfterMs = h.clock.now().getTime() - restoredAt;
    }
    expect(healedAfterMs).toBeGreaterThan(0);
    expect(healedAfterMs).toBeLessThanOrEqual(h.deps.policy().revocation.maxBackoff);
    console.info(
      `aws-sso: revoke healed ${healedAfterMs / 1000} s (simulated) after the target came back; ${(await h.deps.store.getRequestByNumber(1))?.attempts} attempts`,
    );
    expect(fake.assignments.has(assignmentKey(ACCOUNT, READ_PS, 'USER', ALICE))).toBe(false);
    expect(state.dump()[AWS_SSO_NAMESPACE]?.['KC-1']).toBeUndefined();
    const audit = (await h.deps.store.readAudit({})).filter((e) => e.requestId === grant.id).map((e) => e.action);
    expect(audit.at(-1)).toBe('grant.revoked');
    expect((await reconcile(h.deps, h.clock.advance(1_000))).orphans).toEqual([]);
  }, 120_000);

  it('without working AWS credentials reconciliation says it could not check, never "No drift"', async () => {
    await grantActive();
    fake.outage('ListAccountAssignments', 400, 'error-access-denied');
    const report = await reconcile(h.deps, h.clock.advance(1_000));
    expect(report.errors).toEqual([
      { resource: 'prod-aws', error: expect.stringContaining('ListAccountAssignments): AccessDeniedException') },
    ]);
    expect(report.missing).toEqual([]);
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('active');
    const text = reconcileText(report);
    expect(text.out.join('\n')).not.toContain('No drift');
    expect(text.err.join('\n')).toContain('error    prod-aws');
  });
});
