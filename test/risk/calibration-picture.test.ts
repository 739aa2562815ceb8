import { describe, expect, it } from 'vitest';
import { type Policy, TIER_NAMES } from '../../src/core/policy/schema.js';
import { badOutcomeKind, type LedgerRequest, replayAudit } from '../../src/core/risk/audit-ledger.js';
import { calibrate } from '../../src/core/risk/calibrate.js';
import { calibrationPicture, reviewThreshold } from '../../src/core/risk/calibration-picture.js';
import { samplePolicy, smallHistory, windowsOf } from './fixtures.js';

const history = smallHistory({ days: 30, requests: 2000, warmupDays: 20, misuseRate: 0.03 });
const ledger = replayAudit(history.events, windowsOf(samplePolicy));
const report = calibrate(samplePolicy, ledger.requests(), {
  since: history.window.start,
  until: history.window.end,
  maxReviewShare: 0.2,
});
const truth = new Map(history.truth.misuse.map((m) => [m.requestId, m.type]));

describe('the picture of a calibration', () => {
  it('reviews from one above the last tier that auto-approves', () => {
    const bounds = { low: 29, medium: 49, high: 74 };
    expect(reviewThreshold(samplePolicy, bounds)).toBe(30);
    const tiers = (approvals: [number, number, number, number]): Policy => ({
      ...samplePolicy,
      tiers: Object.fromEntries(TIER_NAMES.map((t, i) => [t, { ...samplePolicy.tiers[t], approvals: approvals[i]! }])) as Policy['tiers'],
    });
    expect(reviewThreshold(tiers([0, 0, 1, 2]), bounds)).toBe(50);
    expect(reviewThreshold(tiers([1, 1, 1, 2]), bounds)).toBe(0);
    expect(reviewThreshold(tiers([0, 0, 0, 0]), bounds)).toBe(101);
  });

  it('names the bad outcome calibration counts: denied, an anomaly during the grant, revoked for cause', () => {
    const base = ledger.requests().find((r) => r.outcome === 'approved' && r.anomalies.length === 0 && r.endReason !== 'revoked')!;
    const as = (patch: Partial<LedgerRequest>) => badOutcomeKind({ ...base, ...patch });
    expect(as({})).toBeNull();
    expect(as({ outcome: 'denied' })).toBe('denied');
    expect(as({ anomalies: [{ at: base.createdAt, detector: 'volume-spike', severity: 'warning', summary: '' }] })).toBe(
      'anomaly during the grant',
    );
    expect(as({ endReason: 'revoked', endedBy: 'security@example.com' })).toBe('revoked for cause');
    // Ending one's own grant early is not a bad outcome.
    expect(as({ endReason: 'revoked', endedBy: base.requester })).toBeNull();
  });

  it('marks the operating points the report routes to, on curves over the same requests', () => {
    const picture = calibrationPicture(samplePolicy, ledger.requests(), report, truth);
    expect(picture.labels).toBe('misuse');
    for (const [point, routing] of [
      [picture.current, report.routing.current],
      [picture.proposed, report.routing.proposed],
    ] as const) {
      expect(point.requests).toBe(report.requests);
      expect(point.threshold).toBe(reviewThreshold(samplePolicy, routing.upTo));
      // The generated history has no on-call relief, so a threshold is exactly what the tiers route.
      expect(point.reviewShare).toBeCloseTo(routing.reviewShare, 10);
      const onCurve = point.curve[point.threshold]!;
      expect(onCurve).toMatchObject({ friction: point.friction, recall: point.recall, staticRecall: point.staticRecall });
    }
    const inWindow = ledger
      .requests()
      .filter((r) => r.kind === 'access' && r.createdAt >= history.window.start && r.createdAt <= history.window.end);
    expect(picture.proposed.misuse).toBe(inWindow.filter((r) => truth.has(r.id)).length);
    expect(picture.proposed.misuse).toBeGreaterThan(20);
    expect(picture.proposed.patterns.map((p) => p.pattern)).toEqual([...new Set(picture.proposed.patterns.map((p) => p.pattern))].sort());
    // The proposal sends fewer requests to a human than the sample policy as it is.
    expect(picture.proposed.reviewShare).toBeLessThan(picture.current.reviewShare);
  });

  it('without ground truth draws the bad outcomes calibration itself weighs', () => {
    const picture = calibrationPicture(samplePolicy, ledger.requests(), report);
    expect(picture.labels).toBe('outcomes');
    expect(picture.proposed.misuse).toBe(report.totals.badOutcomes);
    const kinds = picture.proposed.patterns.map((p) => p.pattern);
    expect(kinds).toContain('denied');
    for (const kind of kinds) expect(['anomaly during the grant', 'denied', 'revoked for cause']).toContain(kind);
    // The share of bad outcomes routed at the proposed point is the report's own figure.
    expect(picture.proposed.recall).toBeCloseTo(report.routing.proposed.badRouted, 10);
  });
});
