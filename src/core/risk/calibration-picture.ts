import type { Policy } from '../policy/schema.js';
import { SENSITIVITIES, TIER_NAMES } from '../policy/schema.js';
import { assessRisk } from './assess.js';
import { badOutcomeKind, type LedgerRequest } from './audit-ledger.js';
import { type CalibrationReport, type CalibrationRow, calibrationRows } from './calibrate.js';
import { measure, type OperatingPoint, type ScoredHistory } from './holdout-evaluation.js';
import { scoreFeatures, type WeightKey, weightsOf } from './risk-features.js';
import { currentBounds, needsHuman, type TierBounds } from './tier-thresholds.js';

/**
 * What a calibration looks like as curves: for the policy's weights and for the proposed ones, the
 * share of "bad" requests a human would see against the share of the others, over every threshold,
 * with static per-resource tiers at the same review share and both operating points. "Bad" is the
 * planted misuse when the history is a generated one with its ground truth, else the outcomes
 * calibration itself reads (denied, an anomaly during the grant, revoked for cause).
 */
export interface CalibrationPicture {
  labels: 'misuse' | 'outcomes';
  /** The policy as it is: its weights at its tier bounds. */
  current: OperatingPoint;
  /** The proposal: proposed weights at the proposed bounds. */
  proposed: OperatingPoint;
}

/** The lowest score a human reviews under these bounds: one above the last tier that auto-approves (0 when every tier needs a human, 101 when none does). */
export function reviewThreshold(policy: Policy, bounds: TierBounds): number {
  const first = TIER_NAMES.findIndex((tier) => needsHuman(policy, tier));
  if (first === -1) return 101;
  if (first === 0) return 0;
  return [bounds.low, bounds.medium, bounds.high][first - 1]! + 1;
}

/**
 * The picture of a calibration report over the same requests it was computed from. `misuse` maps
 * request ids to planted patterns (a generated history's ground truth); it is read only to count
 * recall, never to calibrate.
 */
export function calibrationPicture(
  policy: Policy,
  requests: readonly LedgerRequest[],
  report: CalibrationReport,
  misuse?: ReadonlyMap<string, string>,
): CalibrationPicture {
  const { rows } = calibrationRows(policy, requests, report.window);
  const labels = rows.map((r) => (misuse ? (misuse.get(r.request.id) ?? null) : badOutcomeKind(r.request)));
  // The hard cap on auto-approvals sends a request to a human whatever its score.
  const forced = Uint8Array.from(rows, (r) => (assessRisk(policy, r.input).factors.some((f) => f.id === 'auto-approve-cap') ? 1 : 0));
  const staticRank = Int8Array.from(rows, (r) => SENSITIVITIES.indexOf(r.input.resourcePolicy.sensitivity));
  const current = weightsOf(policy);
  const proposedWeights = { ...current, ...report.proposal.weights };
  const proposedBounds = { ...currentBounds(policy), ...report.proposal.upTo };
  const shared = { forced, staticRank, labels, configuredAt: reviewThreshold(policy, currentBounds(policy)) };
  const point = (name: string, weights: Record<WeightKey, number>, bounds: TierBounds) =>
    measure(scored(name, rows, weights, shared), reviewThreshold(policy, bounds));
  return {
    labels: misuse ? 'misuse' : 'outcomes',
    current: point('current', current, currentBounds(policy)),
    proposed: point('proposed', proposedWeights, proposedBounds),
  };
}

function scored(
  name: string,
  rows: readonly CalibrationRow[],
  weights: Record<WeightKey, number>,
  shared: { forced: Uint8Array; staticRank: Int8Array; labels: Array<string | null>; configuredAt: number },
): ScoredHistory {
  const scores = Int16Array.from(rows, (r) => scoreFeatures(r.features, weights));
  // These weights routed at the policy's own bounds, for the "as configured" columns.
  let reviewed = 0;
  let good = 0;
  let goodReviewed = 0;
  let badReviewed = 0;
  scores.forEach((score, i) => {
    const human = score >= shared.configuredAt || shared.forced[i] === 1;
    if (human) reviewed += 1;
    if (shared.labels[i] === null) {
      good += 1;
      if (human) goodReviewed += 1;
    } else if (human) badReviewed += 1;
  });
  const bad = rows.length - good;
  return {
    generator: 'calibration',
    seed: name,
    scores,
    forced: shared.forced,
    staticRank: shared.staticRank,
    misuse: shared.labels,
    factorIds: rows.map(() => []),
    asConfigured: {
      reviewShare: reviewed / Math.max(1, rows.length),
      friction: goodReviewed / Math.max(1, good),
      recall: badReviewed / Math.max(1, bad),
    },
  };
}
