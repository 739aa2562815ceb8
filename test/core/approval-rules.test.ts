import { describe, expect, it } from 'vitest';
import { approvalProgress, checkApprover } from '../../src/core/approval/rules.js';
import type { AccessRequest, Approval } from '../../src/core/types.js';
import { approvalsLine } from '../../src/core/views/format.js';
import { toRequestView } from '../../src/core/views/request-view.js';
import { makePolicy } from '../fixtures/policy.js';

const policy = makePolicy({
  groups: {
    sre: ['bob@example.com', 'erin@example.com'],
    'db-owners': ['carol@example.com', 'frank@example.com'],
    security: ['dave@example.com', 'frank@example.com'],
  },
});

function request(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    number: 7,
    requester: 'alice@example.com',
    status: 'pending',
    approvalsRequired: 1,
    approverGroups: ['sre'],
    distinctGroups: false,
    factors: [],
    ...overrides,
  } as AccessRequest;
}

function approval(approver: string, groups: string[]): Approval {
  return { id: approver, requestId: 'r', approver, decision: 'approve', groups, comment: null, createdAt: new Date() };
}

describe('approval rules', () => {
  it('refuses self-approval', () => {
    const r = checkApprover(policy, request({ requester: 'bob@example.com' }), [], 'BOB@example.com', 'approve');
    expect(r).toMatchObject({ ok: false, code: 'self_approval' });
  });

  it('refuses people outside the approver groups', () => {
    expect(checkApprover(policy, request(), [], 'carol@example.com', 'approve')).toMatchObject({ ok: false, code: 'not_an_approver' });
    expect(checkApprover(policy, request(), [], 'carol@example.com', 'deny')).toMatchObject({ ok: false, code: 'not_an_approver' });
  });

  it('counts each approver once', () => {
    const r = request({ approvalsRequired: 2 });
    expect(checkApprover(policy, r, [approval('bob@example.com', ['sre'])], 'bob@example.com', 'approve')).toMatchObject({
      ok: false,
      code: 'duplicate_approver',
    });
    expect(approvalProgress(r, [approval('bob@example.com', ['sre'])])).toMatchObject({ counted: 1, satisfied: false });
    expect(approvalProgress(r, [approval('bob@example.com', ['sre']), approval('erin@example.com', ['sre'])])).toMatchObject({
      counted: 2,
      satisfied: true,
    });
  });

  describe('approver concentration', () => {
    const concentration = {
      id: 'approver-concentration',
      points: 15,
      reason: 'bob@example.com approved 5 of their 5 approvals, median 30s: another approver is needed',
      approver: 'bob@example.com',
    };
    const concentrated = (overrides: Partial<AccessRequest> = {}) => request({ factors: [concentration], ...overrides });

    it('refuses the concentrated approver as the sole approver, with a clear message', () => {
      const r = checkApprover(policy, concentrated(), [], 'Bob@example.com', 'approve');
      expect(r).toMatchObject({ ok: false, code: 'concentrated_approver' });
      expect(!r.ok && r.message).toBe(
        "You approve most of alice@example.com's requests (approver concentration), so you cannot be the only approver of KC-7; someone else in sre must approve it.",
      );
    });

    it('lets another member of the group approve, and the concentrated one deny', () => {
      expect(checkApprover(policy, concentrated(), [], 'erin@example.com', 'approve')).toMatchObject({ ok: true });
      expect(checkApprover(policy, concentrated(), [], 'bob@example.com', 'deny')).toMatchObject({ ok: true });
    });

    it('counts them as one of two approvals, never alone', () => {
      expect(checkApprover(policy, concentrated({ approvalsRequired: 2 }), [], 'bob@example.com', 'approve')).toMatchObject({ ok: true });
      expect(
        checkApprover(
          policy,
          concentrated({ approvalsRequired: 2 }),
          [approval('erin@example.com', ['sre'])],
          'bob@example.com',
          'approve',
        ),
      ).toMatchObject({ ok: true });
    });

    it('changes nothing for requests without the factor', () => {
      expect(checkApprover(policy, request({ factors: [] }), [], 'bob@example.com', 'approve')).toMatchObject({ ok: true });
      const other = { ...concentration, approver: 'erin@example.com' };
      expect(checkApprover(policy, request({ factors: [other] }), [], 'bob@example.com', 'approve')).toMatchObject({ ok: true });
    });

    it('the card says another approver is needed (and only when one approval is required)', () => {
      const view = (r: AccessRequest) => toRequestView(r, [], { timezone: 'UTC' });
      const one = { ...concentrated(), id: 'r', origin: { platform: 'console' } } as AccessRequest;
      expect(approvalsLine(view(one))).toBe(
        '0 of 1 approvals: sre · another approver than bob@example.com is needed (approver concentration)',
      );
      expect(approvalsLine(view({ ...one, approvalsRequired: 2 }))).toBe('0 of 2 approvals: sre');
      expect(approvalsLine(view({ ...one, factors: [] }))).toBe('0 of 1 approvals: sre');
    });
  });

  it('refuses decisions on requests that are no longer pending', () => {
    expect(checkApprover(policy, request({ status: 'approved' }), [], 'bob@example.com', 'approve')).toMatchObject({
      ok: false,
      code: 'not_pending',
    });
  });

  it('requires distinct groups when the tier says so', () => {
    const r = request({ approvalsRequired: 2, approverGroups: ['db-owners', 'security'], distinctGroups: true });
    const carol = approval('carol@example.com', ['db-owners']);
    expect(checkApprover(policy, r, [], 'carol@example.com', 'approve')).toEqual({ ok: true, value: ['db-owners'] });
    // A second db-owner adds nothing: the security group is still uncovered.
    const second = checkApprover(policy, r, [carol], 'frank@example.com', 'approve');
    expect(second.ok).toBe(true); // frank is also in security, so matching credits him there
    expect(approvalProgress(r, [carol, approval('frank@example.com', ['db-owners', 'security'])])).toMatchObject({
      counted: 2,
      satisfied: true,
    });
    const onlyOwners = request({ approvalsRequired: 2, approverGroups: ['db-owners', 'security'], distinctGroups: true });
    const policy2 = makePolicy({
      groups: { sre: [], 'db-owners': ['carol@example.com', 'gina@example.com'], security: ['dave@example.com'] },
    });
    const refused = checkApprover(policy2, onlyOwners, [carol], 'gina@example.com', 'approve');
    expect(refused).toMatchObject({ ok: false, code: 'group_already_covered' });
    if (!refused.ok) expect(refused.message).toContain('security');
    expect(approvalProgress(onlyOwners, [carol])).toMatchObject({ counted: 1, openGroups: ['security'] });
  });
});
