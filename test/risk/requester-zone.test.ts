import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainRisk } from '../../src/core/lifecycle/queries.js';
import { policySchema } from '../../src/core/policy/schema.js';
import { assessRisk, type RiskInput } from '../../src/core/risk/assess.js';
import type { LedgerRequest } from '../../src/core/risk/audit-ledger.js';
import { ownZoneFromFactors, requesterTimeZone } from '../../src/core/risk/requester-zone.js';
import { riskInputFor } from '../../src/core/risk/risk-features.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { QUIET_HISTORY, riskInput } from '../fixtures/risk-input.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const ALICE = 'alice@example.com';
const policy = makePolicy({
  risk: {
    timeZones: {
      people: { 'Alice@Example.com': 'America/New_York' },
      teams: { payments: 'Asia/Tokyo', sre: 'America/Los_Angeles' },
    },
  },
});

// Tuesday 2026-11-24, 20:14 UTC: 21:14 in Berlin (the policy's zone, off-hours), 15:14 in New York
// (business hours), 05:14 the next morning in Tokyo (off-hours), 12:14 in Los Angeles.
const AT = new Date('2026-11-24T20:14:00Z');

const input = (overrides: Partial<RiskInput> = {}) => riskInput(policy, AT, overrides);
const time = (i: Partial<RiskInput>) => assessRisk(policy, input(i)).factors.find((f) => f.id === 'time');

describe("off-hours on the requester's own clock", () => {
  it("uses the directory's zone first: business hours in New York is not off-hours", () => {
    const person = { email: 'zed@example.com', active: true, timeZone: 'America/New_York' };
    expect(time({ requester: person.email, person })).toEqual({
      id: 'time',
      points: 0,
      reason: 'business hours (15:14 America/New_York, their zone)',
    });
  });

  it("the directory's zone can make it off-hours where the policy's zone would not", () => {
    const person = { email: 'zed@example.com', active: true, timeZone: 'Asia/Tokyo' };
    const at = new Date('2026-11-24T10:00:00Z'); // 11:00 Berlin, 19:00 Tokyo
    expect(time({ requester: person.email, person, at })).toEqual({
      id: 'time',
      points: 10,
      reason: 'off-hours (19:00 Asia/Tokyo, their zone)',
    });
  });

  it('then the policy map by e-mail (matched in lower case), for people the directory gives no zone', () => {
    expect(time({ requester: ALICE })).toMatchObject({
      points: 0,
      reason: 'business hours (15:14 America/New_York, their zone per policy)',
    });
    expect(time({ requester: ALICE, person: { email: ALICE, active: true } })?.points).toBe(0);
  });

  it('then the team map: the directory team, or a policy group the requester is in', () => {
    const person = { email: 'ken@example.com', active: true, team: 'Payments' };
    expect(time({ requester: person.email, person })).toEqual({
      id: 'time',
      points: 10,
      reason: "off-hours (05:14 Asia/Tokyo, payments's zone per policy)",
    });
    // bob is in the policy group sre.
    expect(time({ requester: 'bob@example.com' })).toMatchObject({
      points: 0,
      reason: "business hours (12:14 America/Los_Angeles, sre's zone per policy)",
    });
  });

  it("falls back to the policy's zone, and says so", () => {
    expect(time({ requester: 'nobody@example.com' })).toEqual({
      id: 'time',
      points: 10,
      reason: 'off-hours (21:14 Europe/Berlin, policy zone)',
    });
    expect(time({})?.points).toBe(10);
  });

  it('skips a directory zone the runtime does not know instead of throwing', () => {
    const person = { email: ALICE, active: true, timeZone: 'Mars/Olympus_Mons' };
    expect(requesterTimeZone(policy, ALICE, person)).toEqual({ zone: 'America/New_York', source: 'policy-person' });
    expect(time({ requester: ALICE, person })?.points).toBe(0);
  });

  it('habits still count: an hour usual for them is not off-hours, in whichever zone', () => {
    const habits = {
      grantsInWindow: 10,
      stepUp: null,
      escalationSteps: 0,
      escalationPath: [],
      newFamily: false,
      reasonFamilies: 1,
      reasonUsedOnFamily: true,
      reasonUsedBefore: true,
      anomalousSessions: null,
      anomalousSessionsElsewhere: null,
      usualDurationMs: null,
      sameHourDays: 6,
      windowRequests: 12,
      usualApprover: null,
      autoApprovedRecently: 0,
      ticketReuse: null,
    };
    expect(time({ requester: 'nobody@example.com', habits })?.points).toBe(0);
  });
});

describe('risk.timeZones in the policy schema', () => {
  const parse = (timeZones: unknown) => policySchema.safeParse({ ...basePolicyInput, risk: { timeZones } });

  it('accepts IANA zones and lower-cases e-mail keys', () => {
    const parsed = parse({ people: { 'Bob@Example.com': 'Europe/London' }, teams: { sre: 'UTC' } });
    expect(parsed.success).toBe(true);
    expect(parsed.data?.risk.timeZones.people).toEqual({ 'bob@example.com': 'Europe/London' });
  });

  it('refuses an unknown zone with the path and a suggestion', () => {
    const parsed = parse({ people: { 'bob@example.com': 'Europe/Londn' }, teams: { sre: 'america/new york' } });
    expect(parsed.success).toBe(false);
    const issues = parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toEqual([
      'risk.timeZones.people.bob@example.com: "Europe/Londn" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)',
      'risk.timeZones.teams.sre: "america/new york" is not an IANA time zone (did you mean America/New_York?)',
    ]);
  });

  it('refuses a key that is not an e-mail under people', () => {
    expect(parse({ people: { bob: 'UTC' } }).success).toBe(false);
  });
});

describe('risk explain (the submission path) reads the zone from the directory', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('pglite', { policy });
  });
  afterAll(async () => h?.close());

  const explainTime = async (requester: string) => {
    const result = await explainRisk(h.deps, { requester, resource: 'demo-db', at: AT, reason: 'checking replication lag' });
    if (!result.ok) throw new Error(result.message);
    return result.value.assessment.factors.find((f) => f.id === 'time');
  };

  it("judges a Slack user in New York on New York's clock, and someone unknown on the policy's", async () => {
    const base = h.deps.directory;
    h.deps.directory = {
      ...base,
      person: (email) => (email === 'zed@example.com' ? { email, active: true, timeZone: 'America/New_York' } : base.person(email)),
    };
    try {
      expect(await explainTime('zed@example.com')).toMatchObject({
        points: 0,
        reason: 'business hours (15:14 America/New_York, their zone)',
      });
      expect(await explainTime('nobody@example.com')).toMatchObject({ points: 10, reason: 'off-hours (21:14 Europe/Berlin, policy zone)' });
    } finally {
      h.deps.directory = base;
    }
  });
});

describe('replays keep the zone the submission judged the requester in', () => {
  const at = new Date('2026-11-25T19:00:00Z'); // 20:00 in Berlin, 11:00 in Los Angeles
  const plain = makePolicy();
  const scoredIn = (person?: { email: string; active: boolean; clientTimeZone?: string; timeZone?: string }) =>
    assessRisk(plain, riskInput(plain, at, { requester: 'zed@example.com', ...(person ? { person } : {}) })).factors;

  it('reads their own zone back from the recorded time factor, and nothing from a policy zone', () => {
    const live = scoredIn({ email: 'zed@example.com', active: true, clientTimeZone: 'America/Los_Angeles' });
    expect(live.find((f) => f.id === 'time')?.reason).toBe('business hours (11:00 America/Los_Angeles, their zone)');
    expect(ownZoneFromFactors(live)).toBe('America/Los_Angeles');
    expect(ownZoneFromFactors(scoredIn())).toBeUndefined();
    expect(ownZoneFromFactors([{ id: 'time', reason: "off-hours (05:14 Asia/Tokyo, payments's zone per policy)" }])).toBeUndefined();
    expect(ownZoneFromFactors([{ id: 'time', reason: 'off-hours (05:14 Mars/Base, their zone)' }])).toBeUndefined();
  });

  it('a recorded request replayed without a directory scores the time factor it was recorded with', () => {
    const recorded = scoredIn({ email: 'zed@example.com', active: true, clientTimeZone: 'America/Los_Angeles' });
    const request = {
      id: 'r1',
      requester: 'zed@example.com',
      resource: 'demo-db',
      level: 'read',
      durationMs: 15 * 60_000,
      reason: 'checking replication lag on the replica',
      incidentKey: null,
      kind: 'access',
      breakGlass: false,
      createdAt: at,
      onCallVia: [],
      history: QUIET_HISTORY,
      recorded: { score: 0, tier: 'low', factors: recorded },
    } as unknown as LedgerRequest;
    const replayed = assessRisk(plain, riskInputFor(plain, request)!).factors.find((f) => f.id === 'time');
    expect(replayed).toEqual(recorded.find((f) => f.id === 'time'));
  });
});
