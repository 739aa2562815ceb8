import { describe, expect, it } from 'vitest';
import { approverGroupsFor } from '../../../src/core/approval/approver-groups.js';
import type { Tier } from '../../../src/core/policy/schema.js';
import { basePolicyInput, makePolicy } from '../../fixtures/policy.js';

const policy = makePolicy({ risk: { ...basePolicyInput.risk, approverFallback: ['security'] } });
const concentrationOn = (approver: string) => [
  { id: 'approver-concentration', points: 15, reason: `${approver} approves nearly all`, approver },
];
const oneApproval = (approvers: string[]): Tier => ({ ...policy.tiers.high, approvals: 1, approvers });

describe('approverGroupsFor: the fallback joins only when the concentrated approver could approve the tier', () => {
  it('widens a one-approval tier whose groups hold the concentrated approver', () => {
    expect(approverGroupsFor(policy, oneApproval(['db-owners']), concentrationOn('carol@example.com'))).toEqual(['db-owners', 'security']);
    expect(approverGroupsFor(policy, oneApproval(['db-owners']), concentrationOn('Carol@Example.com'))).toEqual(['db-owners', 'security']);
  });

  it('keeps the tier as it is when the concentrated approver is in none of its groups (nobody is barred there)', () => {
    // bob (sre) approves most of the requester's medium requests; a high request goes to db-owners, which bob is not in.
    expect(approverGroupsFor(policy, oneApproval(['db-owners']), concentrationOn('bob@example.com'))).toEqual(['db-owners']);
  });

  it('widens when a group is a directory reference, whose members are known only when someone decides', () => {
    expect(approverGroupsFor(policy, oneApproval(['db-owners', 'slack:@dba-team']), concentrationOn('bob@example.com'))).toEqual([
      'db-owners',
      'slack:@dba-team',
      'security',
    ]);
  });

  it('keeps tiers of two approvals, and requests without concentration, as they are', () => {
    expect(approverGroupsFor(policy, { ...oneApproval(['db-owners']), approvals: 2 }, concentrationOn('carol@example.com'))).toEqual([
      'db-owners',
    ]);
    expect(approverGroupsFor(policy, oneApproval(['db-owners']), [])).toEqual(['db-owners']);
  });
});
