import { DISCOUNT_FACTORS } from '../policy/risk-schema.js';
import { type FeatureVector, linearScore, splitKey, type WeightKey } from './risk-features.js';

export interface LabelledFeatures {
  features: FeatureVector;
  /** Denied, anomaly during the grant, or revoked for cause. */
  bad: boolean;
}

export interface WeightProposal {
  key: WeightKey;
  current: number;
  proposed: number;
  /** Requests in which the weight counted. */
  support: number;
  /** Bad outcomes among them. */
  bad: number;
  /** Bad-outcome rate when the weight counted ÷ the rate when it did not. */
  lift: number | null;
  note: string;
}

export interface WeightFit {
  /** Log-odds of a bad outcome per score point, fitted on the current score (the unit the points are expressed in). */
  logOddsPerPoint: number;
  proposals: WeightProposal[];
}

export interface FitOptions {
  /** A weight counted in fewer requests (or with fewer bad outcomes) than this keeps its current value. */
  minSupport: number;
  minBad: number;
  /** Prior spread in points: how far the data must pull a weight before it moves. */
  priorPoints: number;
  /** Largest change of one weight in one calibration. */
  maxStep: number;
  /** Lowest value per weight where the policy caps its effect (cleanHistory: −maxHistoryDiscount); the score would not follow a lower one. */
  floors?: Readonly<Record<WeightKey, number>>;
}

export const DEFAULT_FIT_OPTIONS: FitOptions = { minSupport: 50, minBad: 10, priorPoints: 8, maxStep: 20 };

// Weights that lower risk stay ≤ 0 and every other weight stays ≥ 0, so a factor never flips meaning.
const LOWERING = new Set([...DISCOUNT_FACTORS].map((name) => `factors.${name}`));
const MAX_WEIGHT = 60;

/**
 * Re-fits the additive weights as a logistic regression of "bad outcome" on the same features the
 * score adds up, so the result is still a sum of named points (no opaque model). The points keep the
 * current score's unit: one point is the log-odds the current score is worth per point, and each
 * weight has a Gaussian prior centred on its current value, so weights with little data stay put.
 * Proposals are rounded to integers, bounded, sign-constrained and kept monotonic (a more sensitive
 * resource or a stronger level never scores lower).
 */
export function fitWeights(
  rows: readonly LabelledFeatures[],
  current: Readonly<Record<WeightKey, number>>,
  options: FitOptions = DEFAULT_FIT_OPTIONS,
): WeightFit | { skipped: string } {
  const badTotal = rows.filter((r) => r.bad).length;
  if (rows.length < options.minSupport || badTotal < options.minBad) {
    return { skipped: `only ${rows.length} request(s) with ${badTotal} bad outcome(s): too few to fit weights` };
  }
  const scores = rows.map((r) => linearScore(r.features, current));
  const slope = fitLogistic(
    scores.map((s): SparseRow => [[0, s]]),
    rows.map((r) => r.bad),
    [0],
    [0],
  )[1]!;
  if (!(slope > 1e-3)) {
    return { skipped: 'the current score does not predict bad outcomes in this history, so there is no unit to fit weights in' };
  }

  // One-hot groups (sensitivity.*, levels.*) are collinear with the intercept; the lowest current
  // weight of each group is its reference, and the others are fitted relative to it.
  const keys = [...new Set(rows.flatMap((r) => r.features.map(([k]) => k)))].filter((k) => k in current).sort();
  const reference = new Map<string, WeightKey>();
  for (const key of keys) {
    const [group] = splitKey(key);
    if (group !== 'sensitivity' && group !== 'levels') continue;
    const ref = reference.get(group);
    if (ref === undefined || current[key]! < current[ref]!) reference.set(group, key);
  }
  const refOf = (key: WeightKey): number => {
    const ref = reference.get(splitKey(key)[0]);
    return ref === undefined ? 0 : current[ref]!;
  };
  const fitted = keys.filter((k) => ![...reference.values()].includes(k));
  const column = new Map(fitted.map((k, i) => [k, i]));
  const design = rows.map((r): SparseRow => {
    const x: Array<[number, number]> = [];
    for (const [k, count] of r.features) {
      const i = column.get(k);
      if (i !== undefined) x.push([i, count]);
    }
    return x;
  });
  const priorMean = fitted.map((k) => slope * (current[k]! - refOf(k)));
  const priorPrecision = fitted.map(() => 1 / (options.priorPoints * slope) ** 2);
  const beta = fitLogistic(
    design,
    rows.map((r) => r.bad),
    priorMean,
    priorPrecision,
  );

  const baseRate = badTotal / rows.length;
  const proposals = keys.map((key): WeightProposal => {
    let support = 0;
    let bad = 0;
    for (const r of rows) {
      if (r.features.some(([k, c]) => k === key && c !== 0)) {
        support += 1;
        if (r.bad) bad += 1;
      }
    }
    const restRate = support < rows.length ? (badTotal - bad) / (rows.length - support) : baseRate;
    const lift = support > 0 && restRate > 0 ? bad / support / restRate : null;
    const now = current[key]!;
    const base = { key, current: now, support, bad, lift };
    const i = column.get(key);
    if (i === undefined) return { ...base, proposed: now, note: 'reference level of its group (others are fitted relative to it)' };
    if (support < options.minSupport || bad < options.minBad) return { ...base, proposed: now, note: 'kept: too little data' };
    const raw = refOf(key) + beta[i + 1]! / slope;
    const stepped = Math.max(now - options.maxStep, Math.min(now + options.maxStep, raw));
    const signed = LOWERING.has(key) ? Math.min(0, stepped) : Math.max(0, stepped);
    const proposed = Math.round(Math.max(options.floors?.[key] ?? -MAX_WEIGHT, Math.min(MAX_WEIGHT, signed)));
    return { ...base, proposed, note: proposed === now ? 'confirmed by the data' : 'fitted' };
  });
  keepMonotonic(proposals, ['sensitivity.low', 'sensitivity.medium', 'sensitivity.high', 'sensitivity.critical']);
  keepMonotonic(proposals, ['levels.read', 'levels.write', 'levels.admin']);
  keepMonotonic(proposals, ['factors.durationOverHalf', 'factors.durationOverThreeQuarters']);
  return { logOddsPerPoint: slope, proposals };
}

function keepMonotonic(proposals: WeightProposal[], order: readonly WeightKey[]): void {
  let floor = Number.NEGATIVE_INFINITY;
  for (const key of order) {
    const p = proposals.find((x) => x.key === key);
    if (!p) continue;
    if (p.proposed < floor) {
      p.proposed = floor;
      p.note = `${p.note}; raised to keep the order ${order.map((k) => splitKey(k)[1]).join(' ≤ ')}`;
    }
    floor = p.proposed;
  }
}

/** A sparse design row: (column, value) pairs; columns count from 0 and exclude the intercept. */
export type SparseRow = ReadonlyArray<readonly [number, number]>;

/**
 * Maximum a-posteriori logistic regression by Newton's method: an unpenalised intercept plus one
 * coefficient per column with a Gaussian prior (mean, precision). Returns [intercept, ...coefficients].
 */
export function fitLogistic(
  x: readonly SparseRow[],
  y: readonly boolean[],
  priorMean: readonly number[],
  priorPrecision: readonly number[],
) {
  const k = priorMean.length + 1;
  const beta = [0, ...priorMean];
  const positives = y.filter(Boolean).length;
  beta[0] = Math.log((positives + 0.5) / (y.length - positives + 0.5));
  // Rows as (index, value) with the intercept as index 0, so each row costs its non-zeros squared.
  const rows = x.map((row) => [[0, 1] as const, ...row.filter(([, v]) => v !== 0).map(([c, v]) => [c + 1, v] as const)]);
  for (let iteration = 0; iteration < 50; iteration += 1) {
    const gradient = new Array<number>(k).fill(0);
    const hessian = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    for (let n = 0; n < rows.length; n += 1) {
      const row = rows[n]!;
      let eta = 0;
      for (const [c, v] of row) eta += beta[c]! * v;
      const p = 1 / (1 + Math.exp(-eta));
      const residual = (y[n] ? 1 : 0) - p;
      const w = Math.max(p * (1 - p), 1e-9);
      for (const [a, va] of row) {
        gradient[a]! += va * residual;
        const line = hessian[a]!;
        for (const [b, vb] of row) line[b]! += w * va * vb;
      }
    }
    for (let a = 0; a < k; a += 1) {
      const precision = a === 0 ? 1e-6 : priorPrecision[a - 1]!;
      gradient[a]! -= precision * (beta[a]! - (a === 0 ? 0 : priorMean[a - 1]!));
      hessian[a]![a]! += precision;
    }
    const step = solveSymmetric(hessian, gradient);
    let change = 0;
    for (let a = 0; a < k; a += 1) {
      beta[a]! += step[a]!;
      change = Math.max(change, Math.abs(step[a]!));
    }
    if (change < 1e-7) break;
  }
  return beta;
}

/** Solves A·s = g for a symmetric positive-definite A (Cholesky). */
function solveSymmetric(a: number[][], g: number[]): number[] {
  const n = g.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      let sum = a[i]![j]!;
      for (let m = 0; m < j; m += 1) sum -= l[i]![m]! * l[j]![m]!;
      l[i]![j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / l[j]![j]!;
    }
  }
  const z = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i += 1) {
    let sum = g[i]!;
    for (let m = 0; m < i; m += 1) sum -= l[i]![m]! * z[m]!;
    z[i] = sum / l[i]![i]!;
  }
  const s = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i -= 1) {
    let sum = z[i]!;
    for (let m = i + 1; m < n; m += 1) sum -= l[m]![i]! * s[m]!;
    s[i] = sum / l[i]![i]!;
  }
  return s;
}
