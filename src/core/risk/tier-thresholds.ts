import type { Policy, TierName } from '../policy/schema.js';
import { TIER_NAMES } from '../policy/schema.js';

export interface TierBounds {
  low: number;
  medium: number;
  high: number;
}

export interface ThresholdProposal {
  upTo: TierBounds;
  /** Set when the tiers' approval settings leave thresholds unable to reach the target. */
  note?: string;
}

const BOUNDED = ['low', 'medium', 'high'] as const;

// How the review budget is split among the tiers that need a human: the highest tenth of reviewed
// requests gets the top tier (usually two approvers), the next three tenths the tier below it.
const TOP_TIER_SHARE = 0.1;
const SECOND_TIER_SHARE = 0.4;

/** Does a request in this tier need a human? */
export function needsHuman(policy: Policy, tier: TierName): boolean {
  return policy.tiers[tier].approvals > 0;
}

export function currentBounds(policy: Policy): TierBounds {
  return { low: policy.tiers.low.upTo ?? 0, medium: policy.tiers.medium.upTo ?? 1, high: policy.tiers.high.upTo ?? 2 };
}

/** The smallest bound u (0–99) with at most `share` of the scores above it. */
export function boundForShare(histogram: readonly number[], total: number, share: number): number {
  let above = total;
  for (let u = 0; u < 100; u += 1) {
    above -= histogram[u] ?? 0;
    if (above <= share * total) return u;
  }
  return 99;
}

/** Counts of integer scores 0–100. */
export function scoreHistogram(scores: readonly number[]): number[] {
  const histogram = new Array<number>(101).fill(0);
  for (const s of scores) histogram[Math.max(0, Math.min(100, Math.round(s)))]! += 1;
  return histogram;
}

/**
 * Tier bounds that send at most `maxShare` of these scores to a human: the last tier that
 * auto-approves ends where the target share begins, and the tiers above it split the reviewed
 * requests by score (TOP_TIER_SHARE, SECOND_TIER_SHARE). Bounds stay strictly increasing.
 */
export function proposeBounds(policy: Policy, scores: readonly number[], maxShare: number): ThresholdProposal {
  const current = currentBounds(policy);
  const autoTiers = TIER_NAMES.findIndex((name) => needsHuman(policy, name));
  if (autoTiers === 0) return { upTo: current, note: 'every tier needs approvals, so no threshold lowers the review share' };
  if (autoTiers === -1) return { upTo: current, note: 'no tier needs approvals, so nothing is reviewed whatever the thresholds' };
  const histogram = scoreHistogram(scores);
  const total = scores.length;
  const bounds = [current.low, current.medium, current.high];
  const boundary = autoTiers - 1;
  const reviewFrom = boundForShare(histogram, total, maxShare);
  bounds[boundary] = reviewFrom;
  for (let i = boundary - 1; i >= 0; i -= 1) bounds[i] = Math.min(bounds[i]!, bounds[i + 1]! - 1);
  for (let i = boundary + 1; i < BOUNDED.length; i += 1) {
    // Tier i's bound decides what goes above it: the top tier takes the highest tenth, the one below it three tenths more.
    const fromTop = BOUNDED.length - i;
    const share = fromTop === 1 ? TOP_TIER_SHARE : SECOND_TIER_SHARE;
    bounds[i] = boundForShare(histogram, total, maxShare * share);
  }
  for (let i = 0; i < bounds.length; i += 1) {
    const floor = i === 0 ? 0 : bounds[i - 1]! + 1;
    bounds[i] = Math.min(99 - (bounds.length - 1 - i), Math.max(floor, bounds[i]!));
  }
  return { upTo: { low: bounds[0]!, medium: bounds[1]!, high: bounds[2]! } };
}
