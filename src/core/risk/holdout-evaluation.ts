import type { Policy } from '../policy/schema.js';
import { SENSITIVITIES } from '../policy/schema.js';
import type { AuditInput } from '../types.js';
import { assessRisk } from './assess.js';
import { type ReplayContext, replayAudit } from './audit-ledger.js';
import { reviewAtShare } from './evaluate-routing.js';
import { riskInputFor } from './risk-features.js';
import { needsHuman } from './tier-thresholds.js';

/** One generated history, its policy and its labels (read only after scoring). */
export interface LabelledHistory {
  generator: string;
  seed: string;
  policy: Policy;
  events: readonly AuditInput[];
  window: { start: Date; end: Date };
  /** requestId → misuse pattern. */
  labels: ReadonlyMap<string, string>;
  replay: Omit<ReplayContext, 'policy'>;
}

/** Scores of a history's measured requests: Keycard's score, the static rank, and the truth. */
export interface ScoredHistory {
  generator: string;
  seed: string;
  scores: Int16Array;
  /** The request must go to a human whatever its score (auto-approve cap). */
  forced: Uint8Array;
  staticRank: Int8Array;
  misuse: Array<string | null>;
  /** Per request, the factors that moved its score (non-zero points), for analysing misses. */
  factorIds: string[][];
  /** Share of requests and of benign requests the policy as configured sends to a human. */
  asConfigured: { reviewShare: number; friction: number; recall: number };
}

export interface PatternRecall {
  pattern: string;
  total: number;
  keycard: number;
  static: number;
}

export interface OperatingPoint {
  generator: string;
  seed: string;
  threshold: number;
  requests: number;
  misuse: number;
  friction: number;
  reviewShare: number;
  recall: number;
  staticRecall: number;
  staticFriction: number;
  patterns: PatternRecall[];
  curve: Array<{ threshold: number; friction: number; recall: number; staticRecall: number }>;
  asConfigured: ScoredHistory['asConfigured'];
}

const RANK = Object.fromEntries(SENSITIVITIES.map((s, i) => [s, i])) as Record<string, number>;

/** Replays a history and scores every measured access request under `policy` (labels untouched). */
export function scoreHistory(h: LabelledHistory, policy: Policy = h.policy): ScoredHistory {
  const t = policy.risk.thresholds;
  const ledger = replayAudit(
    h.events,
    { historyWindowMs: t.historyWindow, denialWindowMs: t.denialWindow, velocityWindowMs: t.velocityWindow },
    { policy, ...h.replay },
  );
  const test = ledger
    .requests()
    .filter((r) => r.kind === 'access' && r.createdAt >= h.window.start && r.createdAt < h.window.end && policy.resources[r.resource]);
  const scores = new Int16Array(test.length);
  const forced = new Uint8Array(test.length);
  const staticRank = new Int8Array(test.length);
  const misuse: Array<string | null> = [];
  const factorIds: string[][] = [];
  let review = 0;
  let benign = 0;
  let benignReview = 0;
  let misuseReview = 0;
  test.forEach((r, i) => {
    const a = assessRisk(policy, riskInputFor(policy, r)!);
    scores[i] = a.score;
    forced[i] = a.factors.some((f) => f.id === 'auto-approve-cap') ? 1 : 0;
    factorIds.push(a.factors.filter((f) => f.points !== 0).map((f) => f.id));
    staticRank[i] = RANK[policy.resources[r.resource]!.sensitivity] ?? 0;
    const label = h.labels.get(r.id) ?? null;
    misuse.push(label);
    const human = needsHuman(policy, a.tier);
    if (human) review += 1;
    if (label === null) {
      benign += 1;
      if (human) benignReview += 1;
    } else if (human) misuseReview += 1;
  });
  const misuseCount = test.length - benign;
  return {
    generator: h.generator,
    seed: h.seed,
    scores,
    forced,
    staticRank,
    misuse,
    factorIds,
    asConfigured: {
      reviewShare: review / Math.max(1, test.length),
      friction: benignReview / Math.max(1, benign),
      recall: misuseReview / Math.max(1, misuseCount),
    },
  };
}

/** Share of requests at or above each threshold 0–101 (101: only forced ones). */
function reviewShareAt(s: ScoredHistory, threshold: number): number {
  let n = 0;
  for (let i = 0; i < s.scores.length; i += 1) if (s.scores[i]! >= threshold || s.forced[i]) n += 1;
  return n / Math.max(1, s.scores.length);
}

/**
 * The calibrated operating point: the lowest score threshold whose review share, over the
 * calibration histories, stays within the target. Label-free, as an operator would set it.
 */
export function calibrateThreshold(calibration: readonly ScoredHistory[], maxReviewShare: number): number {
  for (let threshold = 0; threshold <= 101; threshold += 1) {
    const share = calibration.reduce((sum, s) => sum + reviewShareAt(s, threshold), 0) / Math.max(1, calibration.length);
    if (share <= maxReviewShare) return threshold;
  }
  return 101;
}

/** Recall, friction and per-pattern recall at a threshold, with static tiers at the same review share. */
export function measure(s: ScoredHistory, threshold: number): OperatingPoint {
  const n = s.scores.length;
  const at = (th: number) => {
    const reviewed = Float64Array.from(s.scores, (v, i) => (v >= th || s.forced[i] ? 1 : 0));
    const share = reviewed.reduce((a, b) => a + b, 0) / Math.max(1, n);
    const staticReviewed = reviewAtShare(Array.from(s.staticRank), share);
    return { reviewed, share, staticReviewed };
  };
  const summary = (reviewed: Float64Array) => {
    let benign = 0;
    let benignReviewed = 0;
    let misuse = 0;
    let caught = 0;
    s.misuse.forEach((m, i) => {
      if (m === null) {
        benign += 1;
        benignReviewed += reviewed[i]!;
      } else {
        misuse += 1;
        caught += reviewed[i]!;
      }
    });
    return { friction: benignReviewed / Math.max(1, benign), recall: caught / Math.max(1, misuse), misuse };
  };
  const point = at(threshold);
  const k = summary(point.reviewed);
  const st = summary(point.staticReviewed);
  const patterns = new Map<string, PatternRecall>();
  s.misuse.forEach((m, i) => {
    if (m === null) return;
    const p = patterns.get(m) ?? { pattern: m, total: 0, keycard: 0, static: 0 };
    p.total += 1;
    p.keycard += point.reviewed[i]!;
    p.static += point.staticReviewed[i]!;
    patterns.set(m, p);
  });
  const curve = [];
  for (let th = 0; th <= 101; th += 1) {
    const c = at(th);
    const kk = summary(c.reviewed);
    curve.push({ threshold: th, friction: kk.friction, recall: kk.recall, staticRecall: summary(c.staticReviewed).recall });
  }
  return {
    generator: s.generator,
    seed: s.seed,
    threshold,
    requests: n,
    misuse: k.misuse,
    friction: k.friction,
    reviewShare: point.share,
    recall: k.recall,
    staticRecall: st.recall,
    staticFriction: st.friction,
    patterns: [...patterns.values()].sort((a, b) => a.pattern.localeCompare(b.pattern)),
    curve,
    asConfigured: s.asConfigured,
  };
}
