import { describe, expect, it } from 'vitest';
import { replayAudit } from '../../src/core/risk/audit-ledger.js';
import { reviewAtShare, reviewWhere, summariseRouting } from '../../src/core/risk/evaluate-routing.js';
import { evaluateHistory } from '../../src/risk-lab/evaluate-history.js';
import { renderEvaluation, TIES_NOTE } from '../../src/risk-lab/render-evaluation.js';
import { expectedCount } from '../../src/risk-lab/text-table.js';
import { samplePolicy, smallHistory, windowsOf } from './fixtures.js';

describe('routing at a review share', () => {
  it('reviews the riskiest share, splitting ties at the boundary evenly', () => {
    expect([...reviewAtShare([5, 4, 3, 2, 1], 0.4)]).toEqual([1, 1, 0, 0, 0]);
    // Three requests tie at 2 for the last two of three places: each is reviewed with probability 2/3.
    const tied = [...reviewAtShare([3, 2, 2, 2, 1, 0], 0.5)];
    expect(tied[0]).toBe(1);
    for (const p of tied.slice(1, 4)) expect(p).toBeCloseTo(2 / 3, 12);
    expect(tied.slice(4)).toEqual([0, 0]);
    expect([...reviewAtShare([1, 1, 1, 1], 0.25)]).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect([...reviewAtShare([1, 2], 0)]).toEqual([0, 0]);
  });

  it('scores recall, friction and waits from the labels', () => {
    const cases = [
      { misuse: 'a', waitIfReviewedMs: 60_000 },
      { misuse: null, waitIfReviewedMs: 120_000 },
      { misuse: null, waitIfReviewedMs: 240_000 },
      { misuse: 'b', waitIfReviewedMs: 60_000 },
    ];
    const s = summariseRouting(cases, reviewWhere([true, true, false, false]));
    expect(s).toMatchObject({
      reviewShare: 0.5,
      misuse: { routed: 1, total: 2, recall: 0.5 },
      benign: { toHuman: 1, total: 2, friction: 0.5 },
    });
    expect(s.misuse.byType).toEqual({ a: { routed: 1, total: 1, recall: 1 }, b: { routed: 0, total: 1, recall: 0 } });
    expect(s.waits).toEqual({ medianReviewedBenignMs: 120_000, meanPerBenignRequestMs: 60_000 });
  });
});

describe('evaluation on a generated history (seed 1)', () => {
  const history = smallHistory({ days: 45, requests: 3000, warmupDays: 30, misuseRate: 0.03 });
  const options = { window: history.window, holdoutMs: 15 * 86_400_000, maxReviewShare: 0.2 };
  const result = evaluateHistory(samplePolicy, history.events, history.truth.misuse, options);

  it('is deterministic', () => {
    const again = evaluateHistory(samplePolicy, history.events, history.truth.misuse, options);
    expect(JSON.stringify(again)).toBe(JSON.stringify(result));
  });

  it('compares every routing on the same requests at the same review share', () => {
    const shares = result.atEqualShare.map((r) => r.reviewShare);
    for (const share of shares) expect(share).toBeCloseTo(shares[0]!, 9);
    for (const r of result.atEqualShare) {
      expect(r.misuse.total).toBe(result.testMisuse);
      expect(r.misuse.total + r.benign.total).toBe(result.testRequests);
    }
    expect(result.atEqualShare.map((r) => r.name)).toEqual(['keycard-calibrated', 'keycard-policy-weights', 'static-tiers']);
  });

  it('computes the static baseline from resource sensitivity alone, on the same data', () => {
    // Recomputed here independently: rank the measured requests by their resource's sensitivity.
    const ledger = replayAudit(history.events, windowsOf(samplePolicy));
    const rank = { low: 0, medium: 1, high: 2, critical: 3 };
    const test = ledger.requests().filter((r) => r.createdAt >= result.testPeriod.start && r.createdAt < result.testPeriod.end);
    const misuse = new Set(history.truth.misuse.map((l) => l.requestId));
    const reviewed = reviewAtShare(
      test.map((r) => rank[samplePolicy.resources[r.resource]!.sensitivity]),
      result.atEqualShare[0]!.reviewShare,
    );
    const routed = test.reduce((sum, r, i) => sum + (misuse.has(r.id) ? reviewed[i]! : 0), 0);
    expect(result.atEqualShare[2]!.misuse.routed).toBeCloseTo(routed, 9);
  });

  it('shows Keycard ahead of static tiers, and prints both side by side', () => {
    const [keycard, , staticTiers] = result.atEqualShare;
    expect(keycard!.misuse.recall).toBeGreaterThan(staticTiers!.misuse.recall);
    const text = renderEvaluation(result, 'Evaluation (seed 1)', samplePolicy.timezone).join('\n');
    expect(text).toMatch(/keycard-calibrated\s+keycard-policy-weights\s+static-tiers/);
    expect(text).toMatch(/misuse to review \(recall\)/);
    expect(text).toMatch(/Goal \(≥ 95% of misuse to review/);
    expect({
      testRequests: result.testRequests,
      testMisuse: result.testMisuse,
      share: keycard!.reviewShare.toFixed(3),
      keycard: keycard!.misuse.recall.toFixed(3),
      policyWeights: result.atEqualShare[1]!.misuse.recall.toFixed(3),
      static: staticTiers!.misuse.recall.toFixed(3),
    }).toMatchInlineSnapshot(`
      {
        "keycard": "0.800",
        "policyWeights": "0.900",
        "share": "0.228",
        "static": "0.396",
        "testMisuse": 20,
        "testRequests": 958,
      }
    `);
  });

  it('prints counts that agree with the percentages beside them, fractional where ties were split', () => {
    const text = renderEvaluation(result, 'Evaluation (seed 1)', samplePolicy.timezone).join('\n');
    const cells = [...text.matchAll(/(\d+(?:\.\d+)?)% \((\d+(?:\.\d+)?)\/(\d+)\)/g)];
    expect(cells.length).toBeGreaterThan(10);
    for (const [cell, shown, routed, total] of cells) {
      const digits = shown!.includes('.') ? 1 : 0;
      // The count is rounded to its printed decimals; the percentage of it must round to what is shown.
      const slack = (0.5 / 10 ** (routed!.split('.')[1]?.length ?? 0) / Number(total)) * 100 + 0.5 / 10 ** digits;
      expect(Math.abs((Number(routed) / Number(total)) * 100 - Number(shown)), cell).toBeLessThanOrEqual(slack);
    }
    // Static tiers tie whole sensitivity classes at the boundary: their counts are expected values, and the output says so.
    expect(text).toMatch(/\d+\.\d\/\d+\)/);
    expect(text).toContain(TIES_NOTE);
  });
});

describe('evaluation of a history without planted misuse', () => {
  it('says recall cannot be judged instead of printing 0.0% (0/0)', () => {
    const clean = smallHistory({ days: 30, requests: 800, warmupDays: 20, misuseRate: 0 });
    const result = evaluateHistory(samplePolicy, clean.events, clean.truth.misuse, {
      window: clean.window,
      holdoutMs: 10 * 86_400_000,
      maxReviewShare: 0.2,
    });
    expect(result.testMisuse).toBe(0);
    const text = renderEvaluation(result, 'Evaluation', samplePolicy.timezone).join('\n');
    expect(text).not.toMatch(/\(0\/0\)/);
    expect(text).toMatch(/misuse to review \(recall\)\s+n\/a \(no misuse\)/);
    expect(text).toContain('cannot be judged, the measured period has no planted misuse');
    expect(text).not.toContain('NOT MET');
  });
});

describe('expected counts', () => {
  it('prints whole counts whole and fractional ones with the decimals that keep them fractional', () => {
    expect(expectedCount(36)).toBe('36');
    expect(expectedCount(35.999_999_999_99)).toBe('36');
    expect(expectedCount(35.666)).toBe('35.7');
    expect(expectedCount(0.04)).toBe('0.04');
    expect(expectedCount(1234.5)).toBe('1,234.5');
  });
});
