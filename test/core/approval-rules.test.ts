import { describe, expect, it } from 'vitest';
import { approvalProgress, checkApprover } from '../../src/core/approval/rules.js';
import type { AccessRequest, Approval } from '../../src/core/types.js';
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
