/**
 * Scoring a routing against ground truth: which requests a routing sends to a human, and how much
 * misuse that catches and how much benign work it slows down. Pure; the labels are only read here,
 * after every routing decision has been made without them.
 */

/** The probability that each request goes to a human: 0 or 1, or a fraction for requests tied at a share boundary. */
export type ReviewVector = Float64Array;

export interface LabelledCase {
  /** The planted misuse pattern, or null for a benign request. */
  misuse: string | null;
  /** How long this request would wait for a human under the routing being scored (ms). */
  waitIfReviewedMs: number;
}

export interface RecallCount {
  routed: number;
  total: number;
  recall: number;
}

export interface RoutingSummary {
  reviewShare: number;
  misuse: RecallCount & { byType: Record<string, RecallCount> };
  benign: { toHuman: number; total: number; friction: number };
  waits: { medianReviewedBenignMs: number | null; meanPerBenignRequestMs: number };
}

/** Review exactly where the flag is set. */
export function reviewWhere(flags: readonly boolean[]): ReviewVector {
  return Float64Array.from(flags, (f) => (f ? 1 : 0));
}

/**
 * Reviews the riskiest `share` of requests by `values` (higher = riskier). Requests tied at the
 * boundary are each reviewed with the same fractional probability, so two routings can be compared
 * at exactly the same review share even when one of them (static tiers) ranks in a few coarse steps.
 */
export function reviewAtShare(values: readonly number[], share: number): ReviewVector {
  const n = values.length;
  const reviewed = new Float64Array(n);
  const k = Math.max(0, Math.min(n, share * n));
  if (k === 0) return reviewed;
  const sorted = [...values].sort((a, b) => b - a);
  const boundary = sorted[Math.ceil(k) - 1]!;
  let above = 0;
  let tied = 0;
  for (const v of values) {
    if (v > boundary) above += 1;
    else if (v === boundary) tied += 1;
  }
  const fraction = tied === 0 ? 0 : Math.max(0, Math.min(1, (k - above) / tied));
  values.forEach((v, i) => {
    reviewed[i] = v > boundary ? 1 : v === boundary ? fraction : 0;
  });
  return reviewed;
}

export function summariseRouting(cases: readonly LabelledCase[], reviewed: ReviewVector): RoutingSummary {
  let share = 0;
  let misuseRouted = 0;
  let misuseTotal = 0;
  let benignTotal = 0;
  let benignToHuman = 0;
  let benignWait = 0;
  const byType: Record<string, RecallCount> = {};
  const waits: Array<[number, number]> = [];
  cases.forEach((c, i) => {
    const p = reviewed[i] ?? 0;
    share += p;
    if (c.misuse !== null) {
      misuseTotal += 1;
      misuseRouted += p;
      const t = byType[c.misuse] ?? { routed: 0, total: 0, recall: 0 };
      byType[c.misuse] = t;
      t.total += 1;
      t.routed += p;
    } else {
      benignTotal += 1;
      benignToHuman += p;
      benignWait += p * c.waitIfReviewedMs;
      if (p > 0) waits.push([c.waitIfReviewedMs, p]);
    }
  });
  for (const t of Object.values(byType)) t.recall = t.total === 0 ? 0 : t.routed / t.total;
  return {
    reviewShare: cases.length === 0 ? 0 : share / cases.length,
    misuse: { routed: misuseRouted, total: misuseTotal, recall: misuseTotal === 0 ? 0 : misuseRouted / misuseTotal, byType },
    benign: { toHuman: benignToHuman, total: benignTotal, friction: benignTotal === 0 ? 0 : benignToHuman / benignTotal },
    waits: { medianReviewedBenignMs: weightedMedian(waits), meanPerBenignRequestMs: benignTotal === 0 ? 0 : benignWait / benignTotal },
  };
}

function weightedMedian(items: Array<[number, number]>): number | null {
  if (items.length === 0) return null;
  items.sort((a, b) => a[0] - b[0]);
  const half = items.reduce((sum, [, w]) => sum + w, 0) / 2;
  let cumulative = 0;
  for (const [value, weight] of items) {
    cumulative += weight;
    if (cumulative >= half) return value;
  }
  return items[items.length - 1]![0];
}
