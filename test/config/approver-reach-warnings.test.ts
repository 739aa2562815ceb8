import { describe, expect, it } from 'vitest';
import { formatPolicyErrors } from '../../src/config/policy-errors.js';
import { parsePolicyText } from '../../src/config/policy-loader.js';
import { approverGroupsFor } from '../../src/core/approval/approver-groups.js';
import { checkApprover } from '../../src/core/approval/rules.js';
import type { Policy } from '../../src/core/policy/schema.js';
import type { AccessRequest } from '../../src/core/types.js';
import { columnOf, fakeProviderSchemas, lineOf } from './fixtures.js';

const RESOURCES = `resources:
  demo-db:
    provider: demo
    sensitivity: high
    levels:
      read:
`;

/** A policy with these groups and tiers (low auto-approves), plus an optional risk block. */
function policyText(groups: string, tiers: string, risk = ''): string {
  return `groups:\n${groups}${RESOURCES}tiers:\n  low: { upTo: 14, approvals: 0 }\n${tiers}${risk}`;
}

const EASY_TIERS = '  high: { upTo: 74, approvals: 1, approvers: [big] }\n  critical: { approvals: 1, approvers: [big] }\n';
const BIG = '  big: [a@example.com, b@example.com, c@example.com]\n';

function parse(text: string): { policy: Policy; warnings: string[] } {
  const result = parsePolicyText(text, 'keycard.yaml', fakeProviderSchemas);
  if (!result.ok) throw new Error(formatPolicyErrors(result.errors).join('\n'));
  return { policy: result.policy, warnings: result.warnings.filter((w) => w.includes('.approvers:')) };
}

describe('policy warnings: a group member nobody can approve', () => {
  it('names the tier, the group and the person when a one-member group approves a tier', () => {
    const text = policyText(
      `${BIG}  owners: [carol@example.com]\n`,
      `  medium: { upTo: 49, approvals: 1, approvers: [owners] }\n${EASY_TIERS}`,
    );
    expect(parse(text).warnings).toEqual([
      `keycard.yaml:${lineOf(text, 'medium:')}:${columnOf(text, 'approvers: [owners]')} tiers.medium.approvers: carol@example.com cannot be approved by owners: nobody approves their own request, and without them these groups have 0 member(s) for 1 approval(s), so their requests in this tier will never be approved and time out after 1h; add someone else to these groups, or another group to approvers`,
    ]);
  });

  it('counts approvals from distinct groups: the only member of one of them cannot be approved', () => {
    const text = policyText(
      `${BIG}  owners: [carol@example.com]\n`,
      '  medium: { upTo: 49, approvals: 1, approvers: [big] }\n  high: { upTo: 74, approvals: 1, approvers: [big] }\n  critical: { approvals: 2, approvers: [owners, big], distinctGroups: true, approvalTtl: 30m }\n',
    );
    expect(parse(text).warnings).toEqual([
      expect.stringContaining(
        'tiers.critical.approvers: carol@example.com cannot be approved by owners, big: nobody approves their own request, and without them at most 1 of the 2 approvals can come from distinct groups, so their requests in this tier will never be approved and time out after 30m',
      ),
    ]);
  });

  it('says the request waits for escalateTo when that group can approve it', () => {
    const text = policyText(
      `${BIG}  owners: [carol@example.com]\n`,
      `  medium: { upTo: 49, approvals: 1, approvers: [owners], escalateTo: big, approvalTtl: 1h, remindBefore: 15m }\n${EASY_TIERS}`,
    );
    expect(parse(text).warnings).toEqual([
      expect.stringContaining(
        'carol@example.com cannot be approved by owners: nobody approves their own request, and without them these groups have 0 member(s) for 1 approval(s), so their requests in this tier will wait until escalateTo big joins at the reminder (45m after submission), and time out after 1h if nobody there decides',
      ),
    ]);
  });

  it('says nothing when everyone has enough other approvers, or the groups are in a directory', () => {
    const tiers = `  medium: { upTo: 49, approvals: 2, approvers: [big] }\n${EASY_TIERS}`;
    expect(parse(policyText(BIG, tiers)).warnings).toEqual([]);
    const directory = `  medium: { upTo: 49, approvals: 1, approvers: ["slack:@owners"] }\n${EASY_TIERS}`;
    expect(parse(policyText(BIG, directory)).warnings).toEqual([]);
  });

  it('says nothing about a member who may request no resource', () => {
    const text = policyText(
      `${BIG}  owners: [carol@example.com]\n`,
      `  medium: { upTo: 49, approvals: 1, approvers: [owners] }\n${EASY_TIERS}`,
    ).replace('    provider: demo\n', '    provider: demo\n    requesters: [big]\n');
    expect(parse(text).warnings).toEqual([]);
  });
});

describe('policy warnings: one possible approver, who may become the concentrated one', () => {
  const pair = `${BIG}  sre: [bob@example.com, erin@example.com]\n`;
  const tiers = `  medium: { upTo: 49, approvals: 1, approvers: [sre] }\n${EASY_TIERS}`;

  it('warns for each member of a two-person group when approverFallback is left at its default (empty)', () => {
    const { warnings } = parse(policyText(pair, tiers));
    expect(warnings).toEqual([
      expect.stringContaining(
        'tiers.medium.approvers: bob@example.com has one possible approver in this tier, erin@example.com: if erin@example.com comes to approve most of their requests quickly (approver concentration: approverShare, fastApproval), erin@example.com may no longer approve them alone and risk.approverFallback is empty, so their requests in this tier would then never be approved and time out after 1h; add a group with someone else to risk.approverFallback, or another member to sre',
      ),
      expect.stringContaining('tiers.medium.approvers: erin@example.com has one possible approver in this tier, bob@example.com'),
    ]);
    // Written out as [] it is the same policy.
    expect(parse(policyText(pair, tiers, 'risk:\n  approverFallback: []\n')).warnings).toEqual(warnings);
  });

  it('is what routing and the approval rules do: the concentrated approver is refused and nobody else is asked', () => {
    const { policy } = parse(policyText(pair, tiers));
    const factors = [{ id: 'approver-concentration', points: 15, reason: 'erin approves', approver: 'erin@example.com' }];
    const approverGroups = approverGroupsFor(policy, policy.tiers.medium, factors);
    expect(approverGroups).toEqual(['sre']);
    const request = { number: 7, status: 'pending', requester: 'bob@example.com', approverGroups, factors, approvalsRequired: 1 };
    const refused = checkApprover(policy, request as unknown as AccessRequest, [], 'erin@example.com', 'approve');
    expect(refused.ok ? undefined : refused.code).toBe('concentrated_approver');
  });

  it('says a fallback that adds nobody else does not help', () => {
    const { warnings } = parse(policyText(`${pair}  tiny: [erin@example.com]\n`, tiers, 'risk:\n  approverFallback: [tiny]\n'));
    expect(warnings[0]).toContain('risk.approverFallback (tiny) adds nobody else');
  });

  it('says nothing when approverFallback holds someone else, or the tier needs two approvals', () => {
    expect(parse(policyText(pair, tiers, 'risk:\n  approverFallback: [big]\n')).warnings).toEqual([]);
    const three = '  sre: [bob@example.com, erin@example.com, frank@example.com]\n';
    expect(parse(policyText(`${BIG}${three}`, `  medium: { upTo: 49, approvals: 2, approvers: [sre] }\n${EASY_TIERS}`)).warnings).toEqual(
      [],
    );
    expect(parse(policyText(`${BIG}${three}`, tiers)).warnings).toEqual([]);
  });
});
