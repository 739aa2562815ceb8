import type { Policy, Sensitivity, TierName } from '../core/policy/schema.js';
import { SENSITIVITIES } from '../core/policy/schema.js';
import { replayAudit } from '../core/risk/audit-ledger.js';
import { applyCalibration, type CalibrationReport, calibrate } from '../core/risk/calibrate.js';
import {
  type LabelledCase,
  type ReviewVector,
  type RoutingSummary,
  reviewAtShare,
  reviewWhere,
  summariseRouting,
} from '../core/risk/evaluate-routing.js';
import { assessAsSubmitted, riskInputFor, withWeights } from '../core/risk/risk-features.js';
import { needsHuman } from '../core/risk/tier-thresholds.js';
import type { AuditInput } from '../core/types.js';
import type { MisuseLabel } from './lifecycle-sim.js';
import { approvalWaitMs } from './wait-model.js';
import { createZone } from './zoned-time.js';

export interface EvaluationOptions {
  window: { start: Date; end: Date };
  /** The last part of the window, kept out of calibration and used to measure; 0 measures in-sample on the whole window. */
  holdoutMs: number;
  /** How much history before the measured part calibration reads, as `risk calibrate --since` would (default 90 days). */
  calibrationMs?: number;
  maxReviewShare: number;
}

const NINETY_DAYS = 90 * 86_400_000;

export interface RoutingResult extends RoutingSummary {
  name: string;
  description: string;
  /** Misuse campaigns with at least one request in front of a human (expected value for fractional reviews). */
  campaigns: { caught: number; total: number };
}

export interface EvaluationResult {
  window: { start: Date; end: Date };
  calibrationPeriod: { start: Date; end: Date };
  testPeriod: { start: Date; end: Date };
  maxReviewShare: number;
  testRequests: number;
  testMisuse: number;
  calibration: CalibrationReport;
  /** At the calibrated policy's own review share on the test period (the equal-share comparison). */
  atEqualShare: RoutingResult[];
  /** Static tiering as it would really run (whole sensitivity classes), and Keycard at that share. */
  atStaticShare: RoutingResult[];
  /** The policy as configured, before any calibration. */
  asConfigured: RoutingResult;
  goal: {
    recall: number;
    /** Recall without the first requests of activity-anomaly campaigns (see ONSET). */
    recallAfterOnset: number;
    friction: number;
    staticRecall: number;
    met: boolean;
  };
}

const RANK: Record<Sensitivity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Suffix of the first request of an activity-anomaly campaign: abuse no request-time signal can show yet. */
export const ONSET = ' (first request)';

function misuseName(label: MisuseLabel | undefined): string | null {
  if (!label) return null;
  return label.onset ? `${label.type}${ONSET}` : label.type;
}

/**
 * Keycard's score-based routing against static per-resource tiers on a generated history. The
 * history is replayed from its audit events only; the first part of the window calibrates the
 * policy (from outcomes in the log, not from labels), the last part is where routing is measured.
 * The labels are read once every routing decision is made.
 */
export function evaluateHistory(
  policy: Policy,
  events: readonly AuditInput[],
  labels: readonly MisuseLabel[],
  options: EvaluationOptions,
): EvaluationResult {
  const t = policy.risk.thresholds;
  const ledger = replayAudit(
    events,
    { historyWindowMs: t.historyWindow, denialWindowMs: t.denialWindow, velocityWindowMs: t.velocityWindow },
    { policy },
  );
  // Calibrate the way an operator would: on the (default) 90 days of audit history before the
  // period being measured. With no holdout, calibrate and measure on the same window (in-sample).
  const inSample = options.holdoutMs === 0;
  const split = inSample ? options.window.start : new Date(options.window.end.getTime() - options.holdoutMs);
  const calibrationPeriod = inSample
    ? options.window
    : { start: new Date(split.getTime() - (options.calibrationMs ?? NINETY_DAYS)), end: split };
  const calibration = calibrate(policy, ledger.requests(), {
    since: calibrationPeriod.start,
    until: new Date(calibrationPeriod.end.getTime() - 1),
    maxReviewShare: options.maxReviewShare,
  });
  const calibrated = applyCalibration(policy, calibration);
  // The policy's own weights with only the thresholds moved to the target: the "uncalibrated weights" baseline.
  const thresholdsOnly = withWeights(policy, {}, calibration.routing.currentWeightsAtTarget.upTo);

  const test = ledger
    .requests()
    .filter((r) => r.kind === 'access' && r.createdAt >= split && r.createdAt < options.window.end && policy.resources[r.resource]);
  const label = new Map(labels.map((l) => [l.requestId, l]));
  const zone = createZone(policy.timezone);
  const inputs = test.map((r) => riskInputFor(policy, r)!);
  const route = (p: Policy) => inputs.map((input) => assessAsSubmitted(p, input));
  const routed = { calibrated: route(calibrated), thresholdsOnly: route(thresholdsOnly), configured: route(policy) };
  const sensitivity = test.map((r) => RANK[policy.resources[r.resource]!.sensitivity]);
  const staticTier = (i: number): TierName => policy.resources[test[i]!.resource]!.sensitivity;

  // What each request would wait for a human: as many approvals as the routing's tier asks for (at least one).
  const casesFor = (tierOf: (i: number) => TierName, p: Policy): LabelledCase[] =>
    test.map((r, i) => ({
      misuse: misuseName(label.get(r.id)),
      waitIfReviewedMs: approvalWaitMs(
        p,
        zone,
        { id: r.id, at: r.createdAt, incident: r.incidentKey !== null },
        Math.max(1, p.tiers[tierOf(i)].approvals),
      ),
    }));
  const result = (name: string, description: string, cases: LabelledCase[], reviewed: ReviewVector): RoutingResult => {
    const missed = new Map<string, number>();
    test.forEach((r, i) => {
      const l = label.get(r.id);
      if (l) missed.set(l.campaign, (missed.get(l.campaign) ?? 1) * (1 - (reviewed[i] ?? 0)));
    });
    const caught = [...missed.values()].reduce((sum, m) => sum + (1 - m), 0);
    return { name, description, ...summariseRouting(cases, reviewed), campaigns: { caught, total: missed.size } };
  };
  const byPolicy = (p: Policy, assessments: typeof routed.calibrated) => reviewWhere(assessments.map((a) => needsHuman(p, a.tier)));

  const calCases = casesFor((i) => routed.calibrated[i]!.tier, calibrated);
  const keycard = result(
    'keycard-calibrated',
    'Keycard, weights and thresholds calibrated on the first period',
    calCases,
    byPolicy(calibrated, routed.calibrated),
  );
  const share = keycard.reviewShare;
  const staticCases = casesFor(staticTier, policy);
  const atEqualShare = [
    keycard,
    result(
      'keycard-policy-weights',
      "Keycard, the policy's weights, threshold set to the same share",
      casesFor((i) => routed.thresholdsOnly[i]!.tier, thresholdsOnly),
      reviewAtShare(
        routed.thresholdsOnly.map((a) => a.score),
        share,
      ),
    ),
    result(
      'static-tiers',
      'Static tiers: the resource sensitivity alone, at the same share',
      staticCases,
      reviewAtShare(sensitivity, share),
    ),
  ];

  // Static tiering as it would actually be configured: every resource at or above a sensitivity needs a human.
  const natural = SENSITIVITIES.map((s) => ({ s, share: sensitivity.filter((v) => v >= RANK[s]).length / Math.max(1, test.length) }))
    .filter((c) => c.share > 0 && c.share < 1)
    .sort((a, b) => Math.abs(a.share - options.maxReviewShare) - Math.abs(b.share - options.maxReviewShare))[0];
  const atStaticShare = natural
    ? [
        result(
          'static-tiers',
          `Static tiers: every ${natural.s}-or-above resource needs a human`,
          staticCases,
          reviewWhere(sensitivity.map((v) => v >= RANK[natural.s])),
        ),
        result(
          'keycard-calibrated',
          'Keycard (calibrated score) at that share',
          calCases,
          reviewAtShare(
            routed.calibrated.map((a) => a.score),
            natural.share,
          ),
        ),
      ]
    : [];
  const asConfigured = result(
    'keycard-as-configured',
    'Keycard with the policy as configured (no calibration)',
    casesFor((i) => routed.configured[i]!.tier, policy),
    byPolicy(policy, routed.configured),
  );
  const staticRecall = atEqualShare[2]!.misuse.recall;
  return {
    window: options.window,
    calibrationPeriod,
    testPeriod: { start: split, end: options.window.end },
    maxReviewShare: options.maxReviewShare,
    testRequests: test.length,
    testMisuse: test.filter((r) => label.has(r.id)).length,
    calibration,
    atEqualShare,
    atStaticShare,
    asConfigured,
    goal: {
      recall: keycard.misuse.recall,
      recallAfterOnset: recallWithout(keycard, ONSET),
      friction: keycard.benign.friction,
      staticRecall,
      met: keycard.misuse.recall >= 0.95 && keycard.benign.friction <= 0.2 && keycard.misuse.recall > staticRecall,
    },
  };
}

function recallWithout(result: RoutingResult, suffix: string): number {
  let routed = 0;
  let total = 0;
  for (const [type, count] of Object.entries(result.misuse.byType)) {
    if (type.endsWith(suffix)) continue;
    routed += count.routed;
    total += count.total;
  }
  return total === 0 ? 0 : routed / total;
}
