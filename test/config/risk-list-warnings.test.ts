import { describe, expect, it } from 'vitest';
import { formatPolicyErrors } from '../../src/config/policy-errors.js';
import { parsePolicyText } from '../../src/config/policy-loader.js';
import { leaveDateOf } from '../../src/core/risk/habit-factors.js';
import { requesterTimeZone } from '../../src/core/risk/requester-zone.js';
import { fakeProviderSchemas, lineOf, validPolicy } from './fixtures.js';

function parse(risk: string) {
  const text = `${validPolicy}risk:\n${risk}`;
  const result = parsePolicyText(text, 'keycard.yaml', fakeProviderSchemas);
  if (!result.ok) throw new Error(formatPolicyErrors(result.errors).join('\n'));
  return { text, policy: result.policy, warnings: result.warnings.filter((w) => / risk\.(departures|timeZones)/.test(w)) };
}

describe('policy warnings: the same person twice in risk.departures', () => {
  it('says which leave date is used when the entries disagree, e-mails compared in lower case', () => {
    const { text, policy, warnings } = parse(
      '  departures:\n    - { email: erin@example.com, leaveDate: "2026-03-31" }\n    - { email: Erin@Example.com, leaveDate: "2026-04-30" }\n',
    );
    expect(warnings).toEqual([
      `keycard.yaml:${lineOf(text, 'Erin@Example.com')}:7 risk.departures[1]: lists erin@example.com again (written erin@example.com and Erin@Example.com: e-mails are compared in lower case) with leaveDate 2026-04-30, but risk.departures[0] gives 2026-03-31: the first entry is the one used (a leave date from the directory outranks both), so 2026-04-30 is ignored; keep one entry with their real last day`,
    ]);
    // What the warning says is what the departure factor reads.
    expect(leaveDateOf(policy, undefined, 'erin@example.com')?.toISOString().slice(0, 10)).toBe('2026-03-31');
  });

  it('asks to remove a repeated entry with the same date', () => {
    const { warnings } = parse(
      '  departures:\n    - { email: bob@example.com, leaveDate: "2026-03-31" }\n    - { email: bob@example.com, leaveDate: "2026-03-31" }\n',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      'risk.departures[1]: lists bob@example.com again, as risk.departures[0] does, with the same leaveDate 2026-03-31; remove one of them',
    );
  });

  it('says nothing about different people', () => {
    const { warnings } = parse(
      '  departures:\n    - { email: bob@example.com, leaveDate: "2026-03-31" }\n    - { email: erin@example.com, leaveDate: "2026-03-31" }\n',
    );
    expect(warnings).toEqual([]);
  });
});

describe('policy warnings: risk.timeZones keys that name the same person or team', () => {
  it('names the person written twice in different case, and the zone that wins (the last)', () => {
    const { text, policy, warnings } = parse(
      '  timeZones:\n    people:\n      Bob@example.com: Europe/Paris\n      bob@example.com: America/New_York\n',
    );
    expect(warnings).toEqual([
      `keycard.yaml:${lineOf(text, 'Bob@example.com')}:7 risk.timeZones.people["Bob@example.com"]: names the same person as bob@example.com (e-mails are compared in lower case): the last entry, America/New_York, is used and Europe/Paris ignored; keep one entry`,
    ]);
    expect(requesterTimeZone(policy, 'bob@example.com', undefined).zone).toBe('America/New_York');
  });

  it('names a directory team written twice in different case, and the zone that wins (the first)', () => {
    const { policy, warnings } = parse('  timeZones:\n    teams:\n      Platform: Europe/Paris\n      platform: Asia/Tokyo\n');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      'risk.timeZones.teams.platform: names the same team as Platform (a directory team is matched ignoring case): the first entry, Europe/Paris, is used and Asia/Tokyo ignored; keep one entry',
    );
    const person = { email: 'zed@example.com', active: true, team: 'PLATFORM' };
    expect(requesterTimeZone(policy, 'zed@example.com', person).zone).toBe('Europe/Paris');
  });

  it('says nothing about distinct people and teams', () => {
    const { warnings } = parse(
      '  timeZones:\n    people:\n      bob@example.com: Europe/Paris\n      erin@example.com: Europe/Paris\n    teams:\n      platform: Europe/Paris\n      payments: Asia/Tokyo\n',
    );
    expect(warnings).toEqual([]);
  });
});
