import { describe, expect, it } from 'vitest';
import { describeGroupReferenceProblem, parseDirectoryReference } from '../../src/core/directory/references.js';
import { policyReferences, resolveDirectory } from '../../src/core/directory/resolve.js';
import { policySchema } from '../../src/core/policy/schema.js';
import { basePolicyInput } from '../fixtures/policy.js';

const NOW = new Date('2026-12-06T10:00:00Z');
const HOUR = 3_600_000;

describe('directory references and resolution (pure)', () => {
  it('parses each source’s reference form and explains malformed ones', () => {
    expect(parseDirectoryReference('slack:@db-owners')).toEqual({ source: 'slack', name: 'db-owners', ref: 'slack:@db-owners' });
    expect(parseDirectoryReference('okta:DB Owners')).toEqual({ source: 'okta', name: 'DB Owners', ref: 'okta:DB Owners' });
    expect(parseDirectoryReference('sre')).toBeUndefined();
    expect(describeGroupReferenceProblem('sre')).toBeUndefined();
    expect(describeGroupReferenceProblem('okta: padded')).toMatch(/names no group/);
    expect(describeGroupReferenceProblem('Ops Team')).toMatch(/is not a group name/);
  });

  it('resolves references to active members only, drops leavers everywhere, and never resolves a missing or expired source to anyone', () => {
    const policy = policySchema.parse({
      ...basePolicyInput,
      tiers: { ...basePolicyInput.tiers, high: { upTo: 74, approvals: 1, approvers: ['okta:DB Owners', 'slack:@sre'] } },
    });
    expect(policyReferences(policy).map((r) => r.ref)).toEqual(['okta:DB Owners', 'slack:@sre']);
    const okta = {
      source: 'okta' as const,
      fetchedAt: new Date(NOW.getTime() - 2 * HOUR),
      groups: [
        {
          ref: 'okta:DB Owners',
          found: true,
          members: [
            { email: 'carol@example.com', active: true },
            { email: 'Erin@Example.com', active: true, leaveDate: new Date('2026-12-05T17:00:00Z') },
          ],
        },
      ],
      people: [{ email: 'bob@example.com', active: false }],
      removed: [],
    };
    const fresh = resolveDirectory(policy, [okta], [{ source: 'okta', lastError: null, push: false }], NOW, HOUR);
    expect(fresh.policy.groups['okta:DB Owners']).toEqual(['carol@example.com']);
    // Bob was deactivated in Okta and Erin is past her leave date: both are gone from the policy's own sre group too.
    expect(fresh.policy.groups.sre).toEqual([]);
    expect(fresh.policy.groups['db-owners']).toEqual(['carol@example.com']);
    expect(fresh.policy.groups['slack:@sre']).toBeUndefined();
    const failing = resolveDirectory(policy, [okta], [{ source: 'okta', lastError: 'okta down', push: false }], NOW, HOUR);
    expect(failing.statuses[0]?.state).toBe('expired');
    expect(failing.policy.groups['okta:DB Owners']).toBeUndefined();
    const stale = resolveDirectory(policy, [okta], [{ source: 'okta', lastError: 'okta down', push: false }], NOW, 3 * HOUR);
    expect(stale.statuses[0]).toMatchObject({ state: 'stale', keepUntil: new Date(NOW.getTime() + HOUR) });
    expect(stale.policy.groups['okta:DB Owners']).toEqual(['carol@example.com']);
  });
});
