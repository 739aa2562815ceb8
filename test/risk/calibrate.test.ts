import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { policySchema } from '../../src/core/policy/schema.js';
import { assessRisk } from '../../src/core/risk/assess.js';
import { replayAudit } from '../../src/core/risk/audit-ledger.js';
import { applyCalibration, calibrate } from '../../src/core/risk/calibrate.js';
import { renderPolicyPatch } from '../../src/core/risk/policy-patch.js';
import { riskInputFor, weightsOf } from '../../src/core/risk/risk-features.js';
import { evaluateHistory } from '../../src/risk-lab/evaluate-history.js';
import { SAMPLE_ORG_POLICY } from '../../src/risk-lab/sample-org.js';
import { samplePolicy, smallHistory, windowsOf } from './fixtures.js';

// Enough planted misuse (3%) in a small history to measure recall in a unit test.
const history = smallHistory({ days: 45, requests: 3000, warmupDays: 30, misuseRate: 0.03 });
const ledger = replayAudit(history.events, windowsOf(samplePolicy));
const options = { since: history.window.start, until: history.window.end, maxReviewShare: 0.2 };

function merge(base: unknown, patch: unknown): unknown {
  if (typeof base !== 'object' || base === null || typeof patch !== 'object' || patch === null) return patch;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) out[k] = merge(out[k], v);
  return out;
}

describe('risk calibration on a generated history', () => {
  const report = calibrate(samplePolicy, ledger.requests(), options);

  it('reports outcomes per tier and per weight that add up', () => {
    expect(report.requests).toBeGreaterThan(2900);
    expect(report.tiers.reduce((sum, t) => sum + t.requests, 0)).toBe(report.requests);
    const bySensitivity = report.factors.filter((f) => f.key.startsWith('sensitivity.')).reduce((sum, f) => sum + f.requests, 0);
    expect(bySensitivity).toBe(report.requests);
    expect(report.totals.badOutcomes).toBeGreaterThan(0);
    expect(report.totals.denied + report.totals.approved + report.totals.timedOut).toBeLessThanOrEqual(report.totals.humanRouted);
    expect(report.tiers.find((t) => t.tier === 'low')).toMatchObject({ humanRouted: 0, medianWaitMs: null });
    expect(report.tiers.find((t) => t.tier === 'critical')?.medianWaitMs).toBeGreaterThan(0);
    expect(report.rescoredDifferently).toBe(0);
  });

  it('meets the requested review share and sends more bad outcomes to review than thresholds alone', () => {
    expect(report.routing.current.reviewShare).toBeGreaterThan(0.5);
    expect(report.routing.proposed.reviewShare).toBeLessThanOrEqual(0.2);
    expect(report.routing.proposed.reviewShare).toBeGreaterThan(0.15);
    expect(report.routing.currentWeightsAtTarget.reviewShare).toBeLessThanOrEqual(0.2);
    expect(Object.keys(report.proposal.weights).length).toBeGreaterThan(0);
    expect(Object.values(report.proposal.weights).every(Number.isInteger)).toBe(true);
  });

  it('improves blunt weights: anomalies and denials anywhere counted at 15 and 5 points (the pre-#19 defaults)', () => {
    const factors = { ...samplePolicy.risk.factors, recentAnomaly: 15, recentDenial: 5 };
    const blunt = calibrate({ ...samplePolicy, risk: { ...samplePolicy.risk, factors } }, ledger.requests(), options);
    expect(blunt.routing.proposed.reviewShare).toBeLessThanOrEqual(0.2);
    expect(blunt.routing.proposed.badRouted).toBeGreaterThan(blunt.routing.currentWeightsAtTarget.badRouted);
    expect(blunt.proposal.weights['factors.recentAnomaly']).toBeLessThan(15);
  });

  it('improves recall of planted misuse over the uncalibrated weights at the same review share (labels read only to score)', () => {
    const result = evaluateHistory(samplePolicy, history.events, history.truth.misuse, {
      window: history.window,
      holdoutMs: 0,
      maxReviewShare: 0.2,
    });
    const [calibrated, policyWeights, staticTiers] = result.atEqualShare;
    expect(calibrated!.reviewShare).toBeLessThanOrEqual(0.2);
    expect(calibrated!.misuse.recall).toBeGreaterThan(policyWeights!.misuse.recall);
    expect(calibrated!.misuse.recall).toBeGreaterThan(staticTiers!.misuse.recall);
  });

  it('writes a patch that, merged into the policy file, is valid and gives exactly the proposed scores', () => {
    const patch = renderPolicyPatch(samplePolicy, report);
    expect(patch).toMatch(/^# Keycard risk calibration: proposed policy changes\. Nothing has been applied\./);
    expect(patch).toMatch(/upTo: \d+ # was 14/);
    const merged = policySchema.parse(merge(SAMPLE_ORG_POLICY, parse(patch)));
    const applied = applyCalibration(samplePolicy, report);
    expect(weightsOf(merged)).toEqual(weightsOf(applied));
    expect(merged.tiers.low.upTo).toBe(applied.tiers.low.upTo);
    // explain (assessRisk under the loaded policy) now shows the calibrated points.
    const request = ledger.requests().find((r) => r.history.priorGrantsOnResource === 0)!;
    const firstAccess = assessRisk(merged, riskInputFor(merged, request)!).factors.find((f) => f.id === 'first-access');
    expect(firstAccess?.points).toBe(merged.risk.factors.firstAccess);
    expect(firstAccess?.points).toBe(report.proposal.weights['factors.firstAccess'] ?? samplePolicy.risk.factors.firstAccess);
  });

  it('changes nothing it was given', () => {
    expect(samplePolicy.tiers.low.upTo).toBe(14);
    expect(weightsOf(samplePolicy)['factors.firstAccess']).toBe(10);
  });
});
