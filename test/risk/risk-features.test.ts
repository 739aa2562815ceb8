import { describe, expect, it } from 'vitest';
import { assessRisk } from '../../src/core/risk/assess.js';
import { replayAudit } from '../../src/core/risk/audit-ledger.js';
import { riskFeatures, riskInputFor, scoreFeatures, weightsOf, withWeights } from '../../src/core/risk/risk-features.js';
import { timeClass } from '../../src/core/risk/time-class.js';
import { createRng } from '../../src/risk-lab/prng.js';
import { BUSINESS_HOURS, makePolicy, OFF_HOURS, SATURDAY } from '../fixtures/policy.js';
import { samplePolicy, smallHistory, windowsOf } from './fixtures.js';

describe('risk features', () => {
  const requests = replayAudit(smallHistory({ requests: 1000, warmupDays: 10 }).events, windowsOf(samplePolicy)).requests();

  it('add up to exactly the score assessRisk gives, under any weights', () => {
    const rng = createRng('weights');
    const keys = Object.keys(weightsOf(samplePolicy));
    for (let round = 0; round < 5; round += 1) {
      const weights = Object.fromEntries(keys.map((k) => [k, rng.int(-20, 40)]));
      const policy = round === 0 ? samplePolicy : withWeights(samplePolicy, weights);
      const w = weightsOf(policy);
      for (const request of requests) {
        const input = riskInputFor(policy, request)!;
        expect(scoreFeatures(riskFeatures(policy, input), w), request.ref).toBe(assessRisk(policy, input).score);
      }
    }
  });

  it('name every weight the policy file has, and put changed weights back where they came from', () => {
    const policy = makePolicy();
    const weights = weightsOf(policy);
    expect(weights).toMatchObject({ 'sensitivity.critical': 35, 'levels.write': 15, 'factors.firstAccess': 10 });
    const changed = withWeights(
      policy,
      { 'factors.firstAccess': 30, 'levels.write': 5, 'nonsense.key': 1 },
      { low: 20, medium: 40, high: 60 },
    );
    expect(changed.risk.factors.firstAccess).toBe(30);
    expect(changed.risk.levels.write).toBe(5);
    expect(changed.tiers.low.upTo).toBe(20);
    expect(policy.risk.factors.firstAccess).toBe(10);
  });

  it('classify time of day exactly as the time factor does', () => {
    const policy = makePolicy();
    expect(timeClass(policy, BUSINESS_HOURS)).toBe('business');
    expect(timeClass(policy, OFF_HOURS)).toBe('off-hours');
    expect(timeClass(policy, SATURDAY)).toBe('weekend');
  });
});
