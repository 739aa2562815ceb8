import { describe, expect, it } from 'vitest';
import { fitLogistic, fitWeights, type LabelledFeatures } from '../../src/core/risk/fit-weights.js';
import { boundForShare, proposeBounds, scoreHistogram } from '../../src/core/risk/tier-thresholds.js';
import { createRng } from '../../src/risk-lab/prng.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';

describe('weight fitting', () => {
  it('recovers the coefficients of a logistic model', () => {
    const rng = createRng('logit');
    const x: Array<Array<[number, number]>> = [];
    const y: boolean[] = [];
    for (let i = 0; i < 20_000; i += 1) {
      const a = rng.chance(0.3) ? 1 : 0;
      const b = rng.chance(0.5) ? 1 : 0;
      x.push([
        [0, a],
        [1, b],
      ]);
      y.push(rng.chance(1 / (1 + Math.exp(-(-3 + 2 * a - 1 * b)))));
    }
    const beta = fitLogistic(x, y, [0, 0], [1e-9, 1e-9]);
    expect(beta[0]).toBeCloseTo(-3, 0);
    expect(beta[1]).toBeCloseTo(2, 0);
    expect(beta[2]).toBeCloseTo(-1, 0);
  });

  it('raises a weight whose factor predicts bad outcomes, keeps one without data, and respects signs and order', () => {
    const rng = createRng('fit');
    const current = {
      'sensitivity.low': 0,
      'sensitivity.high': 20,
      'factors.firstAccess': 10,
      'factors.velocity': 10,
      'factors.ticketKey': -5,
    };
    const rows: LabelledFeatures[] = [];
    for (let i = 0; i < 30_000; i += 1) {
      const high = rng.chance(0.4);
      const first = rng.chance(0.05);
      const ticket = rng.chance(0.5);
      const velocity = i % 1000 === 0;
      const features: Array<[string, number]> = [[high ? 'sensitivity.high' : 'sensitivity.low', 1]];
      if (first) features.push(['factors.firstAccess', 1]);
      if (ticket) features.push(['factors.ticketKey', 1]);
      if (velocity) features.push(['factors.velocity', 1]);
      // The truth: first access is a much stronger signal than the current 10 points say; tickets say nothing.
      const logit = -4 + 0.6 * (high ? 1 : 0) + 2.4 * (first ? 1 : 0);
      rows.push({ features, bad: rng.chance(1 / (1 + Math.exp(-logit))) });
    }
    const fit = fitWeights(rows, current);
    if ('skipped' in fit) throw new Error(fit.skipped);
    const proposed = Object.fromEntries(fit.proposals.map((p) => [p.key, p.proposed]));
    expect(proposed['factors.firstAccess']).toBeGreaterThan(20);
    expect(proposed['factors.velocity']).toBe(10);
    expect(fit.proposals.find((p) => p.key === 'factors.velocity')?.note).toMatch(/too little data/);
    expect(proposed['factors.ticketKey']).toBeLessThanOrEqual(0);
    expect(proposed['sensitivity.high']).toBeGreaterThanOrEqual(proposed['sensitivity.low']!);
    expect(Object.values(proposed).every(Number.isInteger)).toBe(true);
  });

  it('keeps the on-call discount a discount: a fitted onCall stays below zero when on-call requests go well', () => {
    const rng = createRng('fit-on-call');
    const current = { 'sensitivity.low': 0, 'sensitivity.high': 20, 'factors.onCall': -5 };
    const rows: LabelledFeatures[] = [];
    for (let i = 0; i < 30_000; i += 1) {
      const high = rng.chance(0.4);
      const onCall = rng.chance(0.2);
      const features: Array<[string, number]> = [[high ? 'sensitivity.high' : 'sensitivity.low', 1]];
      if (onCall) features.push(['factors.onCall', 1]);
      const logit = -3.5 + 0.8 * (high ? 1 : 0) - 0.8 * (onCall ? 1 : 0);
      rows.push({ features, bad: rng.chance(1 / (1 + Math.exp(-logit))) });
    }
    const fit = fitWeights(rows, current);
    if ('skipped' in fit) throw new Error(fit.skipped);
    expect(fit.proposals.find((p) => p.key === 'factors.onCall')?.proposed).toBeLessThan(0);
  });

  it('declines to fit on too little history', () => {
    expect(fitWeights([{ features: [['factors.firstAccess', 1]], bad: true }], { 'factors.firstAccess': 10 })).toMatchObject({
      skipped: expect.stringContaining('too few'),
    });
  });
});

describe('tier bounds', () => {
  it('picks the lowest bound that keeps the share above it under the target', () => {
    const scores = Array.from({ length: 100 }, (_, i) => i);
    const histogram = scoreHistogram(scores);
    expect(boundForShare(histogram, 100, 0.2)).toBe(79);
    expect(boundForShare(histogram, 100, 0.05)).toBe(94);
  });

  it('ends the auto-approving tier at the target and splits the reviewed requests among the tiers above', () => {
    const policy = makePolicy();
    const scores = Array.from({ length: 1000 }, (_, i) => i % 100);
    const { upTo } = proposeBounds(policy, scores, 0.2);
    expect(upTo.low).toBe(79);
    expect(upTo.high).toBe(97);
    expect(upTo.medium).toBeGreaterThan(upTo.low);
    expect(upTo.high).toBeGreaterThan(upTo.medium);
  });

  it('says so when the tiers cannot reach the target', () => {
    const policy = makePolicy({ tiers: { ...basePolicyInput.tiers, low: { upTo: 14, approvals: 1, approvers: ['sre'] } } });
    expect(proposeBounds(policy, [1, 2, 3], 0.2).note).toMatch(/every tier needs approvals/);
  });
});
