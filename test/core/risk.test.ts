import { describe, expect, it } from 'vitest';
import { tierForScore } from '../../src/core/policy/access.js';
import { assessRisk, type RiskInput } from '../../src/core/risk/assess.js';
import { findIncidentKey } from '../../src/core/risk/incident.js';
import { cutText, unstorableText } from '../../src/core/views/safe-text.js';
import { BUSINESS_HOURS, makePolicy, OFF_HOURS, SATURDAY } from '../fixtures/policy.js';
import { QUIET_HISTORY, riskInput } from '../fixtures/risk-input.js';

const policy = makePolicy();
const quiet = QUIET_HISTORY;
const input = (overrides: Partial<RiskInput> = {}) => riskInput(policy, BUSINESS_HOURS, overrides);

const points = (i: Partial<RiskInput>, id: string) => assessRisk(policy, input(i)).factors.find((f) => f.id === id)?.points;

describe('risk factors', () => {
  it('is deterministic and sums named factors', () => {
    const a = assessRisk(policy, input());
    expect(assessRisk(policy, input())).toEqual(a);
    expect(a.score).toBe(a.factors.reduce((s, f) => s + f.points, 0));
    expect(a.factors.every((f) => f.reason.length > 0)).toBe(true);
  });

  it('weighs sensitivity and level', () => {
    expect(points({}, 'sensitivity')).toBe(20);
    expect(points({ resource: 'demo-logs', resourcePolicy: policy.resources['demo-logs']! }, 'sensitivity')).toBe(0);
    expect(points({ resource: 'demo-admin', resourcePolicy: policy.resources['demo-admin']!, level: 'admin' }, 'sensitivity')).toBe(35);
    expect(points({ level: 'write' }, 'level')).toBe(15);
    expect(points({ level: 'admin' }, 'level')).toBe(25);
  });

  it('weighs duration against the maximum', () => {
    expect(points({ durationMs: 60 * 60_000 }, 'duration')).toBe(0);
    expect(points({ durationMs: 150 * 60_000 }, 'duration')).toBe(5);
    expect(points({ durationMs: 4 * 3_600_000 }, 'duration')).toBe(10);
  });

  it('raises risk off-hours and at weekends in the policy time zone', () => {
    expect(points({ at: BUSINESS_HOURS }, 'time')).toBe(0);
    const off = assessRisk(policy, input({ at: OFF_HOURS })).factors.find((f) => f.id === 'time');
    expect(off).toEqual({ id: 'time', points: 10, reason: 'off-hours (21:14 Europe/Berlin, policy zone)' });
    expect(points({ at: SATURDAY }, 'time')).toBe(15);
  });

  it('reads requester history', () => {
    expect(points({ history: { ...quiet, priorGrantsOnResource: 0 } }, 'first-access')).toBe(10);
    expect(points({}, 'first-access')).toBeUndefined();
    expect(points({ history: { ...quiet, cleanGrantsOnResource: 3 } }, 'clean-history')).toBe(-5);
    expect(points({ history: { ...quiet, cleanGrantsOnResource: 2 } }, 'clean-history')).toBeUndefined();
    expect(points({ history: { ...quiet, cleanGrantsOnResource: 5 } }, 'routine')).toBeUndefined();
    expect(points({ history: { ...quiet, cleanGrantsOnResource: 6 } }, 'routine')).toBe(-5);
    expect(points({ history: { ...quiet, cleanGrantsOnResource: 6 } }, 'clean-history')).toBe(-5);
    expect(points({ history: { ...quiet, recentDenials: 2 } }, 'recent-denials')).toBe(6);
    expect(points({ history: { ...quiet, recentDenials: 9 } }, 'recent-denials')).toBe(9);
    expect(points({ history: { ...quiet, recentAnomalies: 1 } }, 'recent-anomalies')).toBe(5);
    expect(points({ history: { ...quiet, recentAnomalies: 5 } }, 'recent-anomalies')).toBe(10);
    expect(points({ history: { ...quiet, requestsInVelocityWindow: 5 } }, 'velocity')).toBe(10);
    expect(points({ history: { ...quiet, requestsInVelocityWindow: 4 } }, 'velocity')).toBeUndefined();
    expect(points({ history: { ...quiet, newResourcesLastDay: 3 } }, 'new-resource-burst')).toBe(10);
  });

  it('reads context: incident, ticket, reason quality, break-glass', () => {
    // An incident key discounts only for a responder (or someone on call when responders are unknown).
    expect(points({ incidentKey: 'INC-42', reason: 'lag INC-42' }, 'incident')).toBeUndefined();
    expect(points({ incidentKey: 'INC-42', reason: 'lag INC-42' }, 'incident-unverified')).toBe(0);
    expect(points({ incidentKey: 'INC-42', reason: 'lag INC-42', incidentResponder: true }, 'incident')).toBe(-5);
    expect(points({ incidentKey: 'INC-42', reason: 'lag INC-42', onCallVia: ['sre'] }, 'incident')).toBe(-5);
    expect(points({ incidentKey: 'INC-42', reason: 'lag INC-42', incidentResponder: false }, 'incident-not-responder')).toBe(10);
    expect(points({ incidentKey: 'INC-42', reason: 'lag INC-42', incidentResponder: false }, 'incident')).toBeUndefined();
    expect(points({ reason: 'migrate orders per OPS-123' }, 'ticket')).toBe(-5);
    expect(points({ incidentKey: 'INC-42', reason: 'lag INC-42' }, 'ticket')).toBeUndefined();
    expect(points({ reason: 'fix' }, 'weak-reason')).toBe(10);
    expect(points({ reason: 'stuff to do' }, 'weak-reason')).toBe(10);
    // A key makes a short reason acceptable only when it carries weight: a responder's incident, a ticket not reused.
    expect(points({ reason: 'fix INC-9', incidentKey: 'INC-9', incidentResponder: true }, 'weak-reason')).toBeUndefined();
    expect(points({ reason: 'fix INC-9', incidentKey: 'INC-9', onCallVia: ['sre'] }, 'weak-reason')).toBeUndefined();
    expect(points({ reason: 'fix INC-9', incidentKey: 'INC-9', incidentResponder: false }, 'weak-reason')).toBe(10);
    expect(points({ reason: 'fix INC-9', incidentKey: 'INC-9' }, 'weak-reason')).toBe(10);
    expect(assessRisk(policy, input({ reason: 'INC-9', incidentKey: 'INC-9' })).factors.find((f) => f.id === 'weak-reason')?.reason).toBe(
      'vague reason ("INC-9"); INC-9 vouches only for its responders',
    );
    expect(points({ reason: 'fix OPS-12' }, 'weak-reason')).toBeUndefined();
    // Keys are not words: with the keys taken out, each of these is two words or fewer.
    expect(points({ reason: 'fix it INC-4211', incidentKey: 'INC-4211', incidentResponder: false }, 'weak-reason')).toBe(10);
    expect(points({ reason: 'db INC-4211 INC-4212', incidentKey: 'INC-4211' }, 'weak-reason')).toBe(10);
    expect(points({ reason: 'fix it inc-4211', incidentKey: 'INC-4211' }, 'weak-reason')).toBe(10);
    // ...and the same three words with a real third word are a reason.
    expect(points({ reason: 'fix stuck orders INC-4211', incidentKey: 'INC-4211' }, 'weak-reason')).toBeUndefined();
    // A second incident key is not a ticket: it neither takes points off nor vouches for the reason.
    expect(points({ reason: 'INC-9 INC-10', incidentKey: 'INC-9' }, 'ticket')).toBeUndefined();
    expect(points({ reason: 'INC-9 INC-10', incidentKey: 'INC-9' }, 'weak-reason')).toBe(10);
    expect(points({ reason: 'INC-9 OPS-10', incidentKey: 'INC-9' }, 'ticket')).toBe(-5);
    expect(points({ breakGlass: true }, 'break-glass')).toBe(10);
  });

  it('shortens a quoted reason without splitting a surrogate pair (a lone surrogate cannot be stored as JSON)', () => {
    const reason = `${'a'.repeat(38)}\u{1F600}${'b'.repeat(10)}`;
    const detail = assessRisk(policy, input({ reason })).factors.find((f) => f.id === 'weak-reason')?.reason ?? '';
    expect(detail).toContain('a'.repeat(38));
    expect(unstorableText(detail)).toBeUndefined();
    expect(cutText('ab\u{1F600}', 3)).toBe('ab');
    expect(cutText('ab\u{1F600}', 4)).toBe('ab\u{1F600}');
    expect(cutText('abc', 0)).toBe('');
  });

  it('clamps the score to 0..100', () => {
    const heavy = assessRisk(
      policy,
      input({
        level: 'admin',
        at: SATURDAY,
        reason: 'x',
        history: {
          ...quiet,
          recentDenials: 9,
          recentAnomalies: 9,
          requestsInVelocityWindow: 9,
          newResourcesLastDay: 9,
          priorGrantsOnResource: 0,
        },
        durationMs: 4 * 3_600_000,
      }),
    );
    expect(heavy.score).toBe(100);
    expect(heavy.tier).toBe('critical');
    const light = assessRisk(
      policy,
      input({
        resource: 'demo-logs',
        resourcePolicy: policy.resources['demo-logs']!,
        reason: 'rotate logs OPS-1 INC-2',
        incidentKey: 'INC-2',
        incidentResponder: true,
        history: { ...quiet, cleanGrantsOnResource: 5 },
      }),
    );
    expect(light.score).toBe(0);
    expect(light.tier).toBe('low');
  });
});

describe('tier routing', () => {
  it.each([
    [0, 'low'],
    [14, 'low'],
    [15, 'medium'],
    [49, 'medium'],
    [50, 'high'],
    [74, 'high'],
    [75, 'critical'],
    [100, 'critical'],
  ])('score %d -> %s', (score, tier) => expect(tierForScore(policy, score)).toBe(tier));

  it('routes the walkthrough request (first read of demo-db with an incident key) to medium at any hour', () => {
    for (const at of [BUSINESS_HOURS, OFF_HOURS]) {
      const r = assessRisk(
        policy,
        input({ at, reason: 'checking replication lag INC-42', incidentKey: 'INC-42', history: { ...quiet, priorGrantsOnResource: 0 } }),
      );
      expect(r.tier).toBe('medium');
    }
  });

  it('finds incident keys in reasons or flags', () => {
    expect(findIncidentKey('lag inc-42 again', 'INC-[0-9]+')).toBe('INC-42');
    expect(findIncidentKey('nothing here', 'INC-[0-9]+')).toBeNull();
    expect(findIncidentKey('INC-1', 'INC-[0-9]+', 'inc-9')).toBe('INC-9');
  });
});
