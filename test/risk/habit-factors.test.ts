import { describe, expect, it } from 'vitest';
import type { Policy } from '../../src/core/policy/schema.js';
import { NO_SUCH_INCIDENT, type ResponderAnswer } from '../../src/core/ports/incident-responders.js';
import { applyIncidentRelief, assessRisk, type RiskInput } from '../../src/core/risk/assess.js';
import { responderFromFactors } from '../../src/core/risk/habit-factors.js';
import {
  computeHabits,
  needsReasonPeers,
  normaliseReason,
  type PastRequest,
  type RequesterHabits,
  usualApproverToCheck,
} from '../../src/core/risk/habits.js';
import type { ApproverRecord, RequesterHistory } from '../../src/core/types.js';
import { pastRequest } from '../fixtures/past-request.js';
import { BUSINESS_HOURS, makePolicy } from '../fixtures/policy.js';

const base = makePolicy();
const policy: Policy = {
  ...base,
  resources: {
    ...base.resources,
    'orders-replica': { ...base.resources['demo-db']!, sensitivity: 'medium' },
    'orders-db': { ...base.resources['demo-db']!, sensitivity: 'high' },
    'billing-db': { ...base.resources['demo-db']!, sensitivity: 'critical' },
    'search-db': { ...base.resources['demo-db']!, sensitivity: 'high' },
  },
};
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = BUSINESS_HOURS.getTime();
const quiet: RequesterHistory = {
  cleanGrantsOnResource: 0,
  priorGrantsOnResource: 1,
  recentDenials: 0,
  recentAnomalies: 0,
  requestsInVelocityWindow: 0,
  newResourcesLastDay: 0,
};

function past(daysAgo: number, resource: string, level = 'read', extra: Partial<PastRequest> = {}): PastRequest {
  return pastRequest(now, daysAgo, resource, level, extra);
}

/** A settled person: ten ordinary grants on orders-replica over the last months, at this time of day. */
const routine = Array.from({ length: 10 }, (_, i) => past(60 - i * 5, 'orders-replica'));

function score(request: Partial<RiskInput>, records: PastRequest[], history: Partial<RequesterHistory> = {}, p: Policy = policy) {
  const resource = request.resource ?? 'orders-replica';
  const reason = request.reason ?? 'look at slow queries reported in standup';
  const habits: RequesterHabits = computeHabits(p, records, {
    at: request.at ?? BUSINESS_HOURS,
    resource,
    level: request.level ?? 'read',
    reason,
    tickets: (reason.match(/\b[A-Z][A-Z0-9]{1,9}-[0-9]+\b/g) ?? []).filter((t) => t !== request.incidentKey),
  });
  const input: RiskInput = {
    resource,
    resourcePolicy: p.resources[resource]!,
    level: 'read',
    durationMs: HOUR,
    reason,
    incidentKey: null,
    breakGlass: false,
    kind: 'access',
    at: BUSINESS_HOURS,
    history: { ...quiet, ...history },
    habits,
    requester: 'alice@example.com',
    ...request,
  };
  return assessRisk(p, input);
}
const factor = (a: ReturnType<typeof score>, id: string) => a.factors.find((f) => f.id === id);

describe('habit factors (true and false cases)', () => {
  it('escalation: read → write → admin on one family within the window, not a repeat of known access', () => {
    const climbing = [...routine, past(20, 'orders-db', 'read'), past(10, 'orders-db', 'write')];
    const a = score({ resource: 'orders-db', level: 'admin' }, climbing);
    expect(factor(a, 'escalation')?.points).toBe(20);
    expect(factor(a, 'escalation')?.reason).toContain('read orders-db → write orders-db → admin orders-db');
    expect(factor(a, 'step-up')?.points).toBe(5);
    const repeat = score({ resource: 'orders-db', level: 'write' }, [...climbing, past(70, 'orders-db', 'admin')]);
    expect(factor(repeat, 'escalation')).toBeUndefined();
    expect(factor(repeat, 'step-up')).toBeUndefined();
  });

  it('history discounts are capped and never apply to a step up', () => {
    const generous: Policy = { ...policy, risk: { ...policy.risk, factors: { ...policy.risk.factors, cleanHistory: -25 } } };
    const habits = computeHabits(generous, routine, {
      at: BUSINESS_HOURS,
      resource: 'orders-replica',
      level: 'read',
      reason: 'x',
      tickets: [],
    });
    const base = {
      resource: 'orders-replica',
      resourcePolicy: generous.resources['orders-replica']!,
      level: 'read',
      durationMs: HOUR,
      reason: 'checking the nightly export totals',
      incidentKey: null,
      breakGlass: false,
      kind: 'access' as const,
      at: BUSINESS_HOURS,
      history: { ...quiet, cleanGrantsOnResource: 9 },
    };
    const capped = assessRisk(generous, { ...base, habits }).factors;
    expect(capped.find((f) => f.id === 'clean-history')?.points).toBe(-10);
    // Routine comes on top only within what the cap leaves: here nothing, and its reason (in risk explain) says why.
    expect(capped.find((f) => f.id === 'routine')).toMatchObject({ points: 0, reason: expect.stringContaining('capped') });
    const both = (cleanHistory: number, routineWork: number, maxHistoryDiscount: number) => {
      const p: Policy = {
        ...policy,
        risk: {
          ...policy.risk,
          factors: { ...policy.risk.factors, cleanHistory, routineWork },
          thresholds: { ...policy.risk.thresholds, maxHistoryDiscount },
        },
      };
      return assessRisk(p, { ...base, resourcePolicy: p.resources['orders-replica']!, habits })
        .factors.filter((f) => f.id === 'clean-history' || f.id === 'routine')
        .map((f) => f.points);
    };
    expect(both(-5, -10, 10)).toEqual([-5, -5]);
    expect(both(-5, -10, 15)).toEqual([-5, -10]);
    expect(both(-5, -10, 30)).toEqual([-5, -10]);
    expect(both(-5, -5, 10)).toEqual([-5, -5]);
    const up = computeHabits(generous, routine, {
      at: BUSINESS_HOURS,
      resource: 'orders-replica',
      level: 'write',
      reason: 'x',
      tickets: [],
    });
    expect(assessRisk(generous, { ...base, level: 'write', habits: up }).factors.find((f) => f.id === 'clean-history')).toBeUndefined();
  });

  it('unusual new resources: a settled person requesting never-used resources; a newcomer doing so is normal', () => {
    expect(factor(score({}, routine, { newResourcesLastDay: 2 }), 'unusual-new-resources')?.points).toBe(15);
    expect(factor(score({}, routine.slice(0, 3), { newResourcesLastDay: 2 }), 'unusual-new-resources')).toBeUndefined();
    expect(factor(score({}, routine, { newResourcesLastDay: 1 }), 'unusual-new-resources')).toBeUndefined();
  });

  it('outside work: a family never granted to a settled person', () => {
    expect(factor(score({ resource: 'billing-db' }, routine), 'outside-work')?.points).toBe(10);
    expect(factor(score({ resource: 'orders-db' }, routine), 'outside-work')).toBeUndefined();
  });

  it('pasted reason: one sentence for three unrelated families; the same sentence on one family is a habit', () => {
    const text = 'investigating an issue reported by the support team';
    const pasted = [
      ...routine,
      past(3, 'search-db', 'read', { reasonKey: normaliseReason(text) }),
      past(2, 'orders-replica', 'read', { reasonKey: normaliseReason(text) }),
    ];
    const paste = factor(score({ resource: 'billing-db', reason: text }, pasted), 'pasted-reason');
    expect(paste?.points).toBe(15);
    // Two families before this one: the card counts what came before, not this request again.
    expect(paste?.reason).toBe('the same reason given before for 2 other resource families, now for a new one');
    // One family before is not a paste at the default of three.
    expect(factor(score({ resource: 'billing-db', reason: text }, pasted.slice(0, -1)), 'pasted-reason')).toBeUndefined();
    const habit = [...routine, past(3, 'orders-replica', 'read', { reasonKey: normaliseReason(text) })];
    expect(factor(score({ resource: 'orders-replica', reason: text }, habit), 'pasted-reason')).toBeUndefined();
    // A request on this family that was cancelled or denied is no habit: sending it again is still a paste.
    const resent = [...pasted, past(0.01, 'billing-db', 'read', { reasonKey: normaliseReason(text), granted: false })];
    expect(factor(score({ resource: 'billing-db', reason: text }, resent), 'pasted-reason')?.points).toBe(15);
    // Someone who always writes this sentence, for the families they work on: a habit, not a paste.
    const stock = [...pasted, past(4, 'billing-db', 'read', { reasonKey: normaliseReason(text) })];
    expect(factor(score({ resource: 'billing-db', reason: text }, stock), 'pasted-reason')).toBeUndefined();
    expect(factor(score({ resource: 'orders-db', reason: text }, stock), 'pasted-reason')).toBeUndefined();
  });

  it('session anomaly: an alert during their recent grant on this very resource; elsewhere or long ago is not', () => {
    const alerted = [...routine, past(5, 'orders-db', 'write', { anomalies: 1 })];
    const a = score({ resource: 'orders-db', level: 'write' }, alerted);
    expect(factor(a, 'session-anomaly')?.points).toBe(25);
    expect(factor(a, 'session-anomaly')?.reason).toMatch(/during their grant on orders-db 5d ago/);
    expect(factor(score({ resource: 'orders-replica' }, alerted), 'session-anomaly')).toBeUndefined();
    const old = [...routine, past(20, 'orders-db', 'write', { anomalies: 2 })];
    expect(factor(score({ resource: 'orders-db', level: 'write' }, old), 'session-anomaly')).toBeUndefined();
    const twice = [...alerted, past(2, 'orders-db', 'read', { anomalies: 1 })];
    expect(factor(score({ resource: 'orders-db' }, twice), 'session-anomaly')?.reason).toMatch(
      /during 2 of their grants on orders-db 2d ago/,
    );
  });

  it('session anomaly elsewhere: an alert during their recent grant on another resource; none, old, or here is not', () => {
    const alerted = [...routine, past(5, 'orders-db', 'write', { anomalies: 1 })];
    const a = score({ resource: 'orders-replica' }, alerted);
    expect(factor(a, 'session-anomaly-elsewhere')?.points).toBe(10);
    expect(factor(a, 'session-anomaly-elsewhere')?.reason).toMatch(/during their grant on orders-db 5d ago/);
    expect(factor(a, 'session-anomaly')).toBeUndefined();
    // Nothing fired anywhere: no factor.
    expect(factor(score({ resource: 'orders-replica' }, routine), 'session-anomaly-elsewhere')).toBeUndefined();
    // Older than sessionAnomalyWindow (14 days): no factor.
    const old = [...routine, past(20, 'orders-db', 'write', { anomalies: 1 })];
    expect(factor(score({ resource: 'orders-replica' }, old), 'session-anomaly-elsewhere')).toBeUndefined();
    // On this very resource the stronger same-resource factor counts, and this one does not count twice.
    const here = score({ resource: 'orders-db', level: 'write' }, alerted);
    expect(factor(here, 'session-anomaly')?.points).toBe(25);
    expect(factor(here, 'session-anomaly-elsewhere')).toBeUndefined();
    // Several resources are named, the latest alert gives the age.
    const many = [...alerted, past(3, 'billing-db', 'read', { anomalies: 2 }), past(2, 'search-db', 'read', { anomalies: 1 })];
    expect(factor(score({ resource: 'orders-replica' }, many), 'session-anomaly-elsewhere')?.reason).toMatch(
      /during 3 of their grants on billing-db, orders-db and 1 more 2d ago/,
    );
    // Tunable: the policy's weight is what it adds.
    const tuned = { ...policy, risk: { ...policy.risk, factors: { ...policy.risk.factors, sessionAnomalyElsewhere: 4 } } };
    const current = { at: BUSINESS_HOURS, resource: 'orders-replica', level: 'read', reason: 'check replication lag today', tickets: [] };
    const habits = computeHabits(tuned, alerted, current);
    expect(habits.anomalousSessionsElsewhere).toEqual({ count: 1, lastMsAgo: 5 * DAY, resources: ['orders-db'] });
    const tunedScore = assessRisk(tuned, {
      ...current,
      resourcePolicy: tuned.resources['orders-replica']!,
      durationMs: HOUR,
      incidentKey: null,
      breakGlass: false,
      kind: 'access',
      history: quiet,
      habits,
    });
    expect(factor(tunedScore, 'session-anomaly-elsewhere')?.points).toBe(4);
  });

  it('duration against their own habit on the resource', () => {
    expect(factor(score({ durationMs: 3 * HOUR }, routine), 'duration-habit')?.points).toBe(10);
    expect(factor(score({ durationMs: 90 * 60_000 }, routine), 'duration-habit')).toBeUndefined();
  });

  it('departure: the directory or the policy list says they leave soon', () => {
    const leaving = score({ person: { email: 'alice@example.com', active: true, leaveDate: new Date(now + 10 * DAY) } }, routine);
    expect(factor(leaving, 'departure')?.points).toBe(25);
    // Counted in calendar days to the last day: ten days from now, and "today" on the day itself.
    const day = (offset: number) => new Date(now + offset * DAY).toISOString().slice(0, 10);
    expect(factor(leaving, 'departure')?.reason).toBe(`leaving in 10 day(s) (last day ${day(10)})`);
    const onList = (leaveDate: string): Policy => ({
      ...policy,
      risk: { ...policy.risk, departures: [{ email: 'alice@example.com', leaveDate }] },
    });
    const listedIn = (leaveDate: string) =>
      factor(score({ requester: 'alice@example.com' }, routine, {}, onList(leaveDate)), 'departure')?.reason;
    expect(listedIn(day(10))).toBe(`leaving in 10 day(s) (last day ${day(10)})`);
    expect(listedIn(day(1))).toBe(`leaving in 1 day(s) (last day ${day(1)})`);
    expect(listedIn(day(0))).toBe(`today is their last day (${day(0)})`);
    expect(listedIn(day(-1))).toBe('their leave date has passed');
    // Handover: their routine on a resource (clean grants, usual duration) scores nothing for the departure...
    const leaver = { person: { email: 'alice@example.com', active: true, leaveDate: new Date(now + 10 * DAY) } };
    const handover = score(leaver, routine, { cleanGrantsOnResource: 6 });
    expect(factor(handover, 'departure')?.points).toBe(0);
    expect(factor(handover, 'departure')?.reason).toContain('routine on orders-replica');
    // ...but a longer window than usual, a step up or a resource without a clean record still does.
    expect(factor(score({ ...leaver, durationMs: 3 * HOUR }, routine, { cleanGrantsOnResource: 6 }), 'departure')?.points).toBe(25);
    expect(factor(score({ ...leaver, level: 'write' }, routine, { cleanGrantsOnResource: 6 }), 'departure')?.points).toBe(25);
    expect(factor(score({ ...leaver, resource: 'search-db' }, routine), 'departure')?.points).toBe(25);
    expect(
      factor(score({ person: { email: 'alice@example.com', active: true, leaveDate: new Date(now + 90 * DAY) } }, routine), 'departure'),
    ).toBeUndefined();
    expect(factor(score({}, routine), 'departure')).toBeUndefined();
    const listed: Policy = {
      ...policy,
      risk: { ...policy.risk, departures: [{ email: 'alice@example.com', leaveDate: new Date(now + 5 * DAY).toISOString().slice(0, 10) }] },
    };
    const habits = computeHabits(listed, routine, {
      at: BUSINESS_HOURS,
      resource: 'orders-replica',
      level: 'read',
      reason: 'x',
      tickets: [],
    });
    const a = assessRisk(listed, {
      resource: 'orders-replica',
      resourcePolicy: listed.resources['orders-replica']!,
      level: 'read',
      durationMs: HOUR,
      reason: 'checking the nightly export',
      incidentKey: null,
      breakGlass: false,
      kind: 'access',
      at: BUSINESS_HOURS,
      history: quiet,
      habits,
      requester: 'alice@example.com',
    });
    expect(a.factors.find((f) => f.id === 'departure')?.points).toBe(25);
  });

  it('off-hours on the requester’s own clock, waived when that hour is their habit', () => {
    // BUSINESS_HOURS in the policy zone is the middle of the night in Auckland.
    const far = score({ person: { email: 'alice@example.com', active: true, timeZone: 'Pacific/Auckland' } }, []);
    expect(factor(far, 'time')?.points).toBeGreaterThan(0);
    expect(factor(far, 'time')?.reason).toContain('Pacific/Auckland');
    const usual = score({ person: { email: 'alice@example.com', active: true, timeZone: 'Pacific/Auckland' } }, routine);
    expect(factor(usual, 'time')?.points).toBe(0);
    expect(factor(usual, 'time')?.reason).toContain('usual for them');
    expect(factor(score({}, []), 'time')?.points).toBe(0);
  });

  it('an hour is usual only from grants on separate days: cancelled requests or one evening’s burst make no habit', () => {
    const auckland = { person: { email: 'alice@example.com', active: true, timeZone: 'Pacific/Auckland' } };
    // Ten requests at this time of day over the months, none of them granted (cancelled, denied): no habit.
    const cancelled = routine.map((r) => ({ ...r, granted: false }));
    expect(factor(score(auckland, cancelled), 'time')?.points).toBeGreaterThan(0);
    // Ten granted requests, all within one evening a week ago: one day, not a habit.
    const burst = Array.from({ length: 10 }, (_, i) => ({ ...past(7, 'orders-replica'), at: now - 7 * DAY + i * 60_000 }));
    expect(factor(score(auckland, burst), 'time')?.points).toBeGreaterThan(0);
    // Granted on ten separate days at this hour: usual for them, and said so.
    const usual = factor(score(auckland, routine), 'time');
    expect(usual?.points).toBe(0);
    expect(usual?.reason).toContain('usual for them (granted near this hour on 10 days of the window)');
  });

  it('ticket reuse: one ticket across many families, or an old one, loses its discount', () => {
    const reused = [
      ...routine,
      past(3, 'search-db', 'read', { tickets: ['OPS-12'] }),
      past(2, 'billing-db', 'read', { tickets: ['OPS-12'] }),
    ];
    const a = score({ resource: 'orders-replica', reason: 'look at OPS-12 numbers' }, reused);
    expect(factor(a, 'ticket-reuse')?.points).toBe(5);
    expect(factor(a, 'ticket-reuse')?.reason).toBe('ticket OPS-12 now cited for 3 unrelated resource families (2 before this one)');
    expect(
      factor(score({ resource: 'orders-replica', reason: 'look at OPS-12 numbers' }, reused.slice(0, -1)), 'ticket-reuse'),
    ).toBeUndefined();
    expect(factor(a, 'ticket')).toBeUndefined();
    const fresh = score({ resource: 'orders-replica', reason: 'look at OPS-13 numbers' }, routine);
    expect(factor(fresh, 'ticket')?.points).toBe(-5);
    expect(factor(fresh, 'ticket-reuse')).toBeUndefined();
    // A reused ticket no longer vouches for a terse reason; a fresh one still does.
    expect(factor(score({ resource: 'orders-replica', reason: 'OPS-12' }, reused), 'weak-reason')?.reason).toContain(
      'ticket OPS-12 is reused too widely to vouch for it',
    );
    expect(factor(score({ resource: 'orders-replica', reason: 'OPS-13' }, routine), 'weak-reason')).toBeUndefined();
  });

  it('the habit thresholds are the policy’s: burst size, habit hour, usual-duration evidence, ticket age', () => {
    const tuned = (thresholds: Partial<Policy['risk']['thresholds']>): Policy => ({
      ...policy,
      risk: { ...policy.risk, thresholds: { ...policy.risk.thresholds, ...thresholds } },
    });
    // unusualNewResourcesPerDay
    expect(
      factor(score({}, routine, { newResourcesLastDay: 2 }, tuned({ unusualNewResourcesPerDay: 3 })), 'unusual-new-resources'),
    ).toBeUndefined();
    expect(
      factor(score({}, routine, { newResourcesLastDay: 3 }, tuned({ unusualNewResourcesPerDay: 3 })), 'unusual-new-resources')?.points,
    ).toBe(15);
    // durationHabitGrants: ten earlier grants are evidence enough at 3, not at 11
    expect(factor(score({ durationMs: 3 * HOUR }, routine, {}, tuned({ durationHabitGrants: 11 })), 'duration-habit')).toBeUndefined();
    expect(factor(score({ durationMs: 3 * HOUR }, routine, {}, tuned({ durationHabitGrants: 10 })), 'duration-habit')?.points).toBe(10);
    // habitHourWindow: their requests two hours earlier in the day make this hour usual only with a window of 2h or more
    const earlier = routine.map((r) => ({ ...r, at: r.at - 2 * HOUR }));
    const auckland = { person: { email: 'alice@example.com', active: true, timeZone: 'Pacific/Auckland' } };
    expect(factor(score(auckland, earlier), 'time')?.points).toBeGreaterThan(0);
    expect(factor(score(auckland, earlier, {}, tuned({ habitHourWindow: 2 * HOUR })), 'time')?.points).toBe(0);
    // ticketMaxAge: a ticket first cited 40 days ago is stale at 30d, not at 60d
    const old = [...routine, past(40, 'orders-replica', 'read', { tickets: ['OPS-12'] })];
    const stale = score({ reason: 'look at OPS-12 numbers' }, old);
    expect(factor(stale, 'ticket-reuse')?.reason).toMatch(/OPS-12/);
    expect(factor(stale, 'ticket')).toBeUndefined();
    expect(factor(score({ reason: 'look at OPS-12 numbers' }, old, {}, tuned({ ticketMaxAge: 60 * DAY })), 'ticket-reuse')).toBeUndefined();
  });

  it('approver concentration: one approver approves nearly all, fast; slow or spread approvals are fine', () => {
    const rubber = routine.map((r) => ({ ...r, approver: 'bob@example.com', decisionMs: 40_000 }));
    const a = score({}, rubber);
    expect(factor(a, 'approver-concentration')?.points).toBe(15);
    expect(factor(a, 'approver-concentration')?.reason).toContain('another approver is needed');
    expect(
      factor(
        score(
          {},
          routine.map((r) => ({ ...r, approver: 'bob@example.com', decisionMs: 20 * 60_000 })),
        ),
        'approver-concentration',
      ),
    ).toBeUndefined();
    expect(
      factor(
        score(
          {},
          routine.map((r, i) => ({ ...r, approver: i % 2 ? 'bob@example.com' : 'carol@example.com', decisionMs: 30_000 })),
        ),
        'approver-concentration',
      ),
    ).toBeUndefined();
  });

  it('auto-approval stops after the cap within the window, whatever the score', () => {
    const capped: Policy = { ...policy, risk: { ...policy.risk, thresholds: { ...policy.risk.thresholds, autoApproveCap: 3 } } };
    const records = [1, 2, 3].map((h) => ({ ...past(0, 'demo-logs'), at: now - h * HOUR, autoApproved: true }));
    const input = (habitsOf: PastRequest[]) => ({
      resource: 'demo-logs',
      resourcePolicy: capped.resources['demo-logs']!,
      level: 'read',
      durationMs: 15 * 60_000,
      reason: 'rotate the logs of the demo service',
      incidentKey: null,
      breakGlass: false,
      kind: 'access' as const,
      at: BUSINESS_HOURS,
      history: { ...quiet, priorGrantsOnResource: 3 },
      habits: computeHabits(capped, habitsOf, { at: BUSINESS_HOURS, resource: 'demo-logs', level: 'read', reason: 'x', tickets: [] }),
    });
    const over = assessRisk(capped, input(records));
    expect(over.tier).toBe('medium');
    expect(over.factors.find((f) => f.id === 'auto-approve-cap')?.reason).toContain('cap 3');
    const under = assessRisk(capped, input(records.slice(0, 2)));
    expect(under.tier).toBe('low');
  });
});

describe('incident responders, as recorded and replayed', () => {
  const cite = (incidentResponder: ResponderAnswer, onCallVia: string[] = []) =>
    score(
      {
        reason: 'replication broken INC-9',
        incidentKey: 'INC-9',
        onCallVia,
        ...(incidentResponder !== undefined ? { incidentResponder } : {}),
      },
      [],
    );

  it('reads back from the recorded factors what the submission knew', () => {
    expect(responderFromFactors(cite(true).factors)).toBe(true);
    expect(responderFromFactors(cite(false).factors)).toBe(false);
    expect(responderFromFactors(cite(undefined).factors)).toBeUndefined();
    // On call, responder unknown: the key discounts (on call), but nobody said they respond to INC-9.
    expect(factor(cite(undefined, ['sre']), 'incident')?.reason).toBe('incident INC-9, and they are on call');
    expect(responderFromFactors(cite(undefined, ['sre']).factors)).toBeUndefined();
    // A key no source knows: points, not the on-call discount, and the replay reads it back as such.
    const invented = cite(NO_SUCH_INCIDENT, ['sre']);
    expect(factor(invented, 'incident')).toBeUndefined();
    expect(factor(invented, 'incident-unknown')).toMatchObject({
      points: 5,
      reason: expect.stringContaining('names no incident open then'),
    });
    expect(responderFromFactors(invented.factors)).toBe(NO_SUCH_INCIDENT);
  });

  it('gives no on-call relief to someone known not to respond to the incident', () => {
    const relief = (incidentResponder: ResponderAnswer) =>
      applyIncidentRelief(
        { score: 60, tier: 'high', factors: [] },
        {
          incidentKey: 'INC-9',
          onCallVia: ['sre'],
          ...(incidentResponder !== undefined ? { incidentResponder } : {}),
          relief: 1,
          floor: 'low',
        },
      ).tier;
    expect(relief(true)).toBe('medium');
    expect(relief(undefined)).toBe('medium');
    expect(relief(false)).toBe('high');
    expect(relief(NO_SUCH_INCIDENT)).toBe('high');
  });
});

describe('reason-mismatch: a reason written for other resources', () => {
  const mismatch = (reason: string, resource = 'orders-replica') => factor(score({ resource, reason }, routine), 'reason-mismatch');

  it('names the other resources when the reason mentions them and not the requested one', () => {
    expect(mismatch('copy the stuck rows out of billing-db')).toMatchObject({
      points: 10,
      reason: 'the reason names billing-db, not orders-replica',
    });
    expect(mismatch('compare billing-db, search-db and demo-db totals')?.reason).toBe(
      'the reason names billing-db and demo-db and 1 more, not orders-replica',
    );
  });

  it('stays quiet when the reason names the resource, its family, a sibling of the family, or no resource at all', () => {
    expect(mismatch('compare billing-db with orders-replica')).toBeUndefined();
    expect(mismatch('billing-db feeds the orders reports')).toBeUndefined();
    expect(mismatch('check orders-db replication first')).toBeUndefined();
    expect(mismatch('fix the stuck billing orders')).toBeUndefined();
    expect(mismatch('look at slow queries reported in standup')).toBeUndefined();
  });
});

describe('borrowed-reason: other people’s words for work new to the requester', () => {
  const TEXT = 'verifying data consistency after the latest deployment';
  const borrowed = (request: Partial<RiskInput>, records = routine, p = policy) =>
    factor(score({ resource: 'billing-db', reason: TEXT, ...request }, records, {}, p), 'borrowed-reason');

  it('fires for a sentence others gave, never they, on a family new to them, and says how many and over what window', () => {
    expect(borrowed({ reasonPeers: 3 })).toEqual({
      id: 'borrowed-reason',
      points: 10,
      reason: 'the same reason was given by 3 other people in the last 90d, never by them, for a resource family new to them',
    });
  });

  it('says "50 or more" when the count reached the look-up’s cap', () => {
    expect(borrowed({ reasonPeers: 50 })?.reason).toMatch(/^the same reason was given by 50 or more other people/);
  });

  it('stays quiet below the policy’s number of people, without a look-up, on a family they know, or for their own sentence', () => {
    expect(borrowed({ reasonPeers: 1 })).toBeUndefined();
    expect(borrowed({})).toBeUndefined();
    expect(borrowed({ reasonPeers: 3, resource: 'orders-db' })).toBeUndefined();
    const ownSentence = [...routine, past(3, 'search-db', 'read', { reasonKey: normaliseReason(TEXT) })];
    expect(borrowed({ reasonPeers: 3 }, ownSentence)).toBeUndefined();
  });

  it('a request of theirs that was never granted does not make the sentence theirs (cancel and send again)', () => {
    const cancelled = [...routine, past(0.01, 'billing-db', 'read', { reasonKey: normaliseReason(TEXT), granted: false })];
    expect(borrowed({ reasonPeers: 3 }, cancelled)?.points).toBe(10);
  });

  it('takes its weight and its number of people from the policy', () => {
    const tuned: Policy = {
      ...policy,
      risk: {
        ...policy.risk,
        factors: { ...policy.risk.factors, borrowedReason: 25 },
        thresholds: { ...policy.risk.thresholds, borrowedReasonPeople: 5 },
      },
    };
    expect(borrowed({ reasonPeers: 3 }, routine, tuned)).toBeUndefined();
    expect(borrowed({ reasonPeers: 5 }, routine, tuned)?.points).toBe(25);
  });

  it('is asked for only when the sentence is new to them and the family too', () => {
    const habitsFor = (resource: string, records: PastRequest[], reason = TEXT) =>
      computeHabits(policy, records, { at: BUSINESS_HOURS, resource, level: 'read', reason, tickets: [] });
    expect(needsReasonPeers(habitsFor('billing-db', routine), TEXT)).toBe(true);
    expect(needsReasonPeers(habitsFor('orders-db', routine), TEXT)).toBe(false);
    const ownSentence = [...routine, past(3, 'search-db', 'read', { reasonKey: normaliseReason(TEXT) })];
    expect(needsReasonPeers(habitsFor('billing-db', ownSentence), TEXT)).toBe(false);
    expect(needsReasonPeers(habitsFor('billing-db', routine, '...'), '...')).toBe(false);
    expect(needsReasonPeers(undefined, TEXT)).toBe(false);
  });
});

describe('approver-rubber-stamp: the usual approver never says no, or waves high-risk requests through', () => {
  // bob approves all their requests, slowly (so concentration does not fire): his own record decides.
  const slowBob = routine.map((r) => ({ ...r, approver: 'bob@example.com', decisionMs: 20 * 60_000 }));
  const record = (extra: Partial<ApproverRecord> = {}): ApproverRecord => ({
    decisions: 40,
    denials: 0,
    highRiskApprovals: 0,
    highRiskMedianMs: null,
    ...extra,
  });
  const stamp = (usualApproverRecord: ApproverRecord | undefined, records = slowBob, p = policy) =>
    factor(score({ ...(usualApproverRecord ? { usualApproverRecord } : {}) }, records, {}, p), 'approver-rubber-stamp');

  it('names the approver and what they do: never denying, fast high-risk approvals, or both', () => {
    expect(stamp(record())).toEqual({
      id: 'approver-rubber-stamp',
      points: 5,
      reason: 'their usual approver bob@example.com never denied in 40 decisions over 90d',
      approver: 'bob@example.com',
    });
    expect(stamp(record({ denials: 2, highRiskApprovals: 12, highRiskMedianMs: 41_000 }))?.reason).toBe(
      'their usual approver bob@example.com approves high-risk requests in a median 41s (12 of them)',
    );
    expect(stamp(record({ highRiskApprovals: 5, highRiskMedianMs: 90_000 }))?.reason).toBe(
      'their usual approver bob@example.com never denied in 40 decisions over 90d and approves high-risk requests in a median 1m30s (5 of them)',
    );
  });

  it('says "their last 200 decisions" when the record reached its cap', () => {
    expect(stamp(record({ decisions: 200 }))?.reason).toBe('their usual approver bob@example.com never denied in their last 200 decisions');
  });

  it('stays quiet for an approver who denies and takes time, with too few decisions to judge, or without a look-up', () => {
    expect(stamp(record({ denials: 1, highRiskApprovals: 12, highRiskMedianMs: 20 * 60_000 }))).toBeUndefined();
    expect(stamp(record({ decisions: 12 }))).toBeUndefined();
    expect(stamp(record({ denials: 1, highRiskApprovals: 2, highRiskMedianMs: 10_000 }))).toBeUndefined();
    expect(stamp(undefined)).toBeUndefined();
  });

  it('leaves it to approver-concentration when the pair is concentrated and fast', () => {
    const fastBob = routine.map((r) => ({ ...r, approver: 'bob@example.com', decisionMs: 40_000 }));
    const a = score({ usualApproverRecord: record() }, fastBob);
    expect(factor(a, 'approver-concentration')).toBeDefined();
    expect(factor(a, 'approver-rubber-stamp')).toBeUndefined();
  });

  it('is looked up only for someone whose approvals mostly come from one approver', () => {
    const habitsFor = (records: PastRequest[]) =>
      computeHabits(policy, records, { at: BUSINESS_HOURS, resource: 'orders-replica', level: 'read', reason: 'x', tickets: [] });
    expect(usualApproverToCheck(policy, habitsFor(slowBob))).toBe('bob@example.com');
    const spread = routine.map((r, i) => ({ ...r, approver: i % 2 ? 'bob@example.com' : 'carol@example.com', decisionMs: 60_000 }));
    expect(usualApproverToCheck(policy, habitsFor(spread))).toBeUndefined();
    expect(usualApproverToCheck(policy, habitsFor(routine))).toBeUndefined();
  });

  it('takes its weight and decision count from the policy', () => {
    const tuned: Policy = {
      ...policy,
      risk: {
        ...policy.risk,
        factors: { ...policy.risk.factors, approverRubberStamp: 12 },
        thresholds: { ...policy.risk.thresholds, neverDeniesDecisions: 50 },
      },
    };
    expect(stamp(record(), slowBob, tuned)).toBeUndefined();
    expect(stamp(record({ decisions: 50 }), slowBob, tuned)?.points).toBe(12);
  });
});
