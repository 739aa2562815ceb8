import type { ScoredHistory } from './holdout-evaluation.js';

/** How often each factor fired on a set of requests, most frequent first. */
export type FactorCounts = Array<{ factor: string; requests: number }>;

export interface PatternMisses {
  pattern: string;
  total: number;
  missed: number;
  /** Factors that fired (non-zero points) on the missed requests of the pattern. */
  missedFactors: FactorCounts;
  /** The same for the ones that reached a human. */
  caughtFactors: FactorCounts;
}

export interface MissAnalysis {
  threshold: number;
  patterns: PatternMisses[];
  benign: number;
  benignReviewed: number;
  /** Factors on the benign requests that reached a human: what spends the friction budget. */
  benignFactors: FactorCounts;
}

function counts(histories: readonly ScoredHistory[], pick: (s: ScoredHistory, i: number) => boolean): FactorCounts {
  const by = new Map<string, number>();
  for (const s of histories)
    for (let i = 0; i < s.scores.length; i += 1) {
      if (!pick(s, i)) continue;
      for (const id of s.factorIds[i]!) by.set(id, (by.get(id) ?? 0) + 1);
    }
  return [...by]
    .map(([factor, requests]) => ({ factor, requests }))
    .sort((a, b) => b.requests - a.requests || a.factor.localeCompare(b.factor));
}

/**
 * Which factors fired on missed misuse, per pattern, and on the benign requests that took the review
 * budget, at a threshold. Meant for the calibration seeds: it is how a score is improved without
 * looking at the held-out seeds it is measured on.
 */
export function analyseMisses(histories: readonly ScoredHistory[], threshold: number): MissAnalysis {
  const reviewed = (s: ScoredHistory, i: number) => s.scores[i]! >= threshold || s.forced[i] === 1;
  const patterns = new Set<string>();
  let benign = 0;
  let benignReviewed = 0;
  for (const s of histories)
    s.misuse.forEach((m, i) => {
      if (m !== null) patterns.add(m);
      else {
        benign += 1;
        if (reviewed(s, i)) benignReviewed += 1;
      }
    });
  return {
    threshold,
    patterns: [...patterns].sort().map((pattern) => {
      const of = (s: ScoredHistory, i: number) => s.misuse[i] === pattern;
      const total = histories.reduce((n, s) => n + s.misuse.filter((m) => m === pattern).length, 0);
      const missedFactors = counts(histories, (s, i) => of(s, i) && !reviewed(s, i));
      const missed = histories.reduce((n, s) => n + s.misuse.filter((m, i) => m === pattern && !reviewed(s, i)).length, 0);
      return { pattern, total, missed, missedFactors, caughtFactors: counts(histories, (s, i) => of(s, i) && reviewed(s, i)) };
    }),
    benign,
    benignReviewed,
    benignFactors: counts(histories, (s, i) => s.misuse[i] === null && reviewed(s, i)),
  };
}
