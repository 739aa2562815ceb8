import { describe, expect, it } from 'vitest';
import type { ScoredHistory } from '../../src/core/risk/holdout-evaluation.js';
import { analyseMisses } from '../../src/core/risk/miss-analysis.js';

function history(rows: Array<{ score: number; misuse: string | null; factors: string[]; forced?: boolean }>): ScoredHistory {
  return {
    generator: 'test',
    seed: 'c1',
    scores: Int16Array.from(rows.map((r) => r.score)),
    forced: Uint8Array.from(rows.map((r) => (r.forced ? 1 : 0))),
    staticRank: new Int8Array(rows.length),
    misuse: rows.map((r) => r.misuse),
    factorIds: rows.map((r) => r.factors),
    asConfigured: { reviewShare: 0, friction: 0, recall: 0 },
  };
}

describe('analyseMisses', () => {
  const a = history([
    { score: 10, misuse: 'slow-escalation', factors: ['sensitivity', 'clean-history'] },
    { score: 40, misuse: 'slow-escalation', factors: ['sensitivity', 'step-up', 'escalation'] },
    { score: 5, misuse: 'compromised-account', factors: ['time'], forced: true },
    { score: 30, misuse: null, factors: ['sensitivity', 'recent-denials'] },
    { score: 29, misuse: null, factors: ['sensitivity'] },
  ]);
  const b = history([
    { score: 12, misuse: 'slow-escalation', factors: ['sensitivity'] },
    { score: 50, misuse: null, factors: ['sensitivity', 'level'] },
  ]);

  it('counts the factors on missed and caught misuse per pattern, and on benign requests sent to a human', () => {
    const m = analyseMisses([a, b], 30);
    expect(m.threshold).toBe(30);
    expect(m.patterns.map((p) => p.pattern)).toEqual(['compromised-account', 'slow-escalation']);
    const slow = m.patterns.find((p) => p.pattern === 'slow-escalation')!;
    expect(slow).toMatchObject({ total: 3, missed: 2 });
    expect(slow.missedFactors).toEqual([
      { factor: 'sensitivity', requests: 2 },
      { factor: 'clean-history', requests: 1 },
    ]);
    expect(slow.caughtFactors.map((f) => f.factor)).toEqual(['escalation', 'sensitivity', 'step-up']);
    // The auto-approve cap sends a request to a human whatever its score: not a miss.
    expect(m.patterns.find((p) => p.pattern === 'compromised-account')).toMatchObject({ total: 1, missed: 0 });
    expect(m).toMatchObject({ benign: 3, benignReviewed: 2 });
    expect(m.benignFactors).toEqual([
      { factor: 'sensitivity', requests: 2 },
      { factor: 'level', requests: 1 },
      { factor: 'recent-denials', requests: 1 },
    ]);
  });

  it('moves with the threshold', () => {
    const low = analyseMisses([a, b], 10);
    expect(low.patterns.find((p) => p.pattern === 'slow-escalation')!.missed).toBe(0);
    expect(low.benignReviewed).toBe(3);
  });
});
