import type { Policy, TierName } from '../policy/schema.js';
import { TIER_NAMES } from '../policy/schema.js';
import type { RiskInput } from './assess.js';
import { hadBadOutcome, type LedgerRequest } from './audit-ledger.js';
import { DEFAULT_FIT_OPTIONS, type FitOptions, fitWeights, type WeightFit } from './fit-weights.js';
import { countOutcomes, type OutcomeCounts, rate } from './outcome-stats.js';
import {
  type FeatureVector,
  riskFeatures,
  riskInputFor,
  routedTier,
  scoreFeatures,
  type WeightKey,
  weightsOf,
  withWeights,
} from './risk-features.js';
import { currentBounds, needsHuman, proposeBounds, type TierBounds } from './tier-thresholds.js';

export interface CalibrationOptions {
  since: Date;
  until: Date;
  /** At most this share of requests should need a human (0–1). */
  maxReviewShare: number;
  /** Fit factor weights as well as thresholds (default true). */
  fitWeights?: boolean;
  fit?: FitOptions;
}

export interface TierStats extends OutcomeCounts {
  tier: TierName;
}

export interface FactorStats extends OutcomeCounts {
  key: WeightKey;
  weight: number;
}

/** How a policy would route the window's requests. */
export interface RoutingCheck {
  upTo: TierBounds;
  /** Share of requests that would need a human. */
  reviewShare: number;
  /** Share of bad outcomes whose request would have gone to a human. */
  badRouted: number;
}

export interface CalibrationReport {
  window: { since: Date; until: Date };
  maxReviewShare: number;
  /** Access requests in the window that the current policy can score. */
  requests: number;
  /** Requests left out because their resource is no longer in the policy. */
  unknownResource: number;
  /** Requests whose recorded score differs from the current policy's (the policy changed since). */
  rescoredDifferently: number;
  incidents: number;
  totals: OutcomeCounts;
  /** By the tier recorded at the time. */
  tiers: TierStats[];
  /** By weight, over the requests in which it counted under the current policy. */
  factors: FactorStats[];
  weights: WeightFit | { skipped: string };
  /** Only the values that change. */
  proposal: { upTo: Partial<TierBounds>; weights: Record<WeightKey, number> };
  routing: { current: RoutingCheck; currentWeightsAtTarget: RoutingCheck; proposed: RoutingCheck };
  notes: string[];
}

/** One access request of the window that the policy can score, with what it is scored from. */
export interface CalibrationRow {
  request: LedgerRequest;
  input: RiskInput;
  features: FeatureVector;
  bad: boolean;
}

/**
 * The window's access requests that the policy can score, with their features under it, and how many
 * were left out (resource gone) or score differently than when recorded (policy changed). Calibration
 * and its picture both start here, so they count the same requests.
 */
export function calibrationRows(
  policy: Policy,
  requests: readonly LedgerRequest[],
  window: { since: Date; until: Date },
): { rows: CalibrationRow[]; unknownResource: number; rescoredDifferently: number } {
  const current = weightsOf(policy);
  const rows: CalibrationRow[] = [];
  let unknownResource = 0;
  let rescoredDifferently = 0;
  for (const request of requests) {
    const at = request.createdAt.getTime();
    if (request.kind !== 'access' || at < window.since.getTime() || at > window.until.getTime()) continue;
    const input = riskInputFor(policy, request);
    if (!input) {
      unknownResource += 1;
      continue;
    }
    const features = riskFeatures(policy, input);
    if (scoreFeatures(features, current) !== request.recorded.score) rescoredDifferently += 1;
    rows.push({ request, input, features, bad: hadBadOutcome(request) });
  }
  return { rows, unknownResource, rescoredDifferently };
}

/**
 * Reads outcomes over a window of audit history and proposes tier bounds (and, where the data
 * supports it, factor weights) that keep the human-review share under the target while sending as
 * many bad outcomes as possible to review. Pure: nothing is changed; the caller decides what to do
 * with the proposal (print it, or write a patch the operator reviews).
 */
export function calibrate(policy: Policy, requests: readonly LedgerRequest[], options: CalibrationOptions): CalibrationReport {
  const notes: string[] = [];
  const current = weightsOf(policy);
  const { rows, unknownResource, rescoredDifferently } = calibrationRows(policy, requests, options);
  if (unknownResource > 0) notes.push(`${unknownResource} request(s) name resources no longer in the policy and were left out`);
  if (rescoredDifferently > 0) {
    notes.push(
      `${rescoredDifferently} request(s) score differently under the current policy than when they were made: the policy changed since, or the history was written without Keycard's history-based factors (as \`risk simulate\` writes it); the "as routed at the time" tiers are from then, the proposals from now`,
    );
  }

  const ledgerRows = rows.map((r) => r.request);
  const tiers = TIER_NAMES.map((tier) => ({ tier, ...countOutcomes(ledgerRows.filter((r) => r.recorded.tier === tier)) }));
  const factors = Object.keys(current)
    .map((key) => ({ key, weight: current[key]!, ...countOutcomes(rows.filter((r) => counts(r.features, key)).map((r) => r.request)) }))
    .filter((f) => f.requests > 0);

  const fit =
    options.fitWeights === false
      ? { skipped: 'weights not fitted (thresholds only)' }
      : fitWeights(rows, current, {
          ...(options.fit ?? DEFAULT_FIT_OPTIONS),
          // The score caps both history discounts together: a fitted value below what the cap leaves would not be followed.
          floors: {
            'factors.cleanHistory': -policy.risk.thresholds.maxHistoryDiscount,
            'factors.routineWork': -(
              policy.risk.thresholds.maxHistoryDiscount +
              Math.max(policy.risk.factors.cleanHistory, -policy.risk.thresholds.maxHistoryDiscount)
            ),
          },
        });
  if ('skipped' in fit) notes.push(fit.skipped);
  const proposedWeights = { ...current };
  if (!('skipped' in fit)) {
    for (const p of fit.proposals) proposedWeights[p.key] = p.proposed;
    keepHistoryWithinCap(policy, proposedWeights, fit);
  }

  const routeWith = (weights: Record<WeightKey, number>, upTo?: TierBounds): RoutingCheck => {
    const scores = rows.map((r) => scoreFeatures(r.features, weights));
    const bounds = upTo ?? proposeBounds(policy, scores, options.maxReviewShare).upTo;
    const routed = withWeights(policy, weights, bounds);
    let reviewed = 0;
    let bad = 0;
    let badReviewed = 0;
    rows.forEach((r, i) => {
      const human = needsHuman(routed, routedTier(routed, r.input, scores[i]!));
      if (human) reviewed += 1;
      if (r.bad) {
        bad += 1;
        if (human) badReviewed += 1;
      }
    });
    return { upTo: bounds, reviewShare: rate(reviewed, rows.length), badRouted: rate(badReviewed, bad) };
  };
  const proposedScores = rows.map((r) => scoreFeatures(r.features, proposedWeights));
  const bounds = proposeBounds(policy, proposedScores, options.maxReviewShare);
  if (bounds.note) notes.push(bounds.note);
  const proposed = routeWith(proposedWeights, bounds.upTo);
  if (proposed.reviewShare > options.maxReviewShare) {
    notes.push(
      `the target cannot be met exactly: ${(proposed.reviewShare * 100).toFixed(1)}% of requests tie at or above the lowest possible bound`,
    );
  }

  const upTo: Partial<TierBounds> = {};
  const was = currentBounds(policy);
  for (const name of ['low', 'medium', 'high'] as const) if (bounds.upTo[name] !== was[name]) upTo[name] = bounds.upTo[name];
  const changed: Record<WeightKey, number> = {};
  for (const [key, value] of Object.entries(proposedWeights)) if (value !== current[key]) changed[key] = value;

  return {
    window: { since: options.since, until: options.until },
    maxReviewShare: options.maxReviewShare,
    requests: rows.length,
    unknownResource,
    rescoredDifferently,
    incidents: new Set(ledgerRows.map((r) => r.incidentKey).filter((k) => k !== null)).size,
    totals: countOutcomes(ledgerRows),
    tiers,
    factors,
    weights: fit,
    proposal: { upTo, weights: changed },
    routing: { current: routeWith(current, was), currentWeightsAtTarget: routeWith(current), proposed },
    notes,
  };
}

/** The policy with a calibration's proposal applied (what the written patch would make of it). */
export function applyCalibration(policy: Policy, report: CalibrationReport): Policy {
  return withWeights(policy, report.proposal.weights, { ...currentBounds(policy), ...report.proposal.upTo });
}

/**
 * The score takes off at most maxHistoryDiscount for cleanHistory and routineWork together, so a proposal
 * whose two discounts add up to more would not be followed: routineWork is raised to what the cap leaves.
 */
function keepHistoryWithinCap(policy: Policy, weights: Record<WeightKey, number>, fit: WeightFit): void {
  const cap = policy.risk.thresholds.maxHistoryDiscount;
  const clean = Math.max(weights['factors.cleanHistory'] ?? 0, -cap);
  const routine = weights['factors.routineWork'] ?? 0;
  const lowest = Math.min(0, 0 - (cap + clean));
  if (routine >= lowest) return;
  weights['factors.routineWork'] = lowest;
  const proposal = fit.proposals.find((p) => p.key === 'factors.routineWork');
  if (proposal) {
    proposal.proposed = lowest;
    proposal.note = `${proposal.note}; raised so that cleanHistory and routineWork take off at most maxHistoryDiscount (${cap}) together`;
  }
}

function counts(features: FeatureVector, key: WeightKey): boolean {
  return features.some(([k, c]) => k === key && c !== 0);
}
