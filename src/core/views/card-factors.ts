import { formatPoints, USUAL_HOUR } from '../risk/assess.js';
import type { RiskFactor } from '../types.js';
import { cutText } from './safe-text.js';

/**
 * Zero-point factors that explain how a request was routed, so a card must name them (issue #19).
 * Other zero-point factors (business hours, a short window, a level worth nothing) only describe, and stay
 * in `risk explain`.
 */
export const ROUTING_FACTORS: ReadonlySet<string> = new Set([
  // On call for the cited incident: routed tiers lower than the score says.
  'incident-relief',
  // The auto-approval cap was reached: routed to a human whatever the score.
  'auto-approve-cap',
  // A leaver repeating their routine (handover work): why a departure adds nothing.
  'departure',
  // An incident was cited but nobody knows they respond to it: why it brought no discount.
  'incident-unverified',
  // A key naming no incident open then: no discount and no on-call relief, shown even when its weight is 0.
  'incident-unknown',
]);

/** A zero-point factor a card shows in place of points, as a routing note. */
export function isRoutingNote(factor: RiskFactor): boolean {
  if (factor.points !== 0) return false;
  // Off-hours waived because that hour is their habit: the approver sees why a night request scored nothing for time.
  return ROUTING_FACTORS.has(factor.id) || (factor.id === 'time' && factor.reason.includes(USUAL_HOUR));
}

/**
 * The factors a card shows: every one that moved the score, largest effect first (the issue behind the score
 * asks for each to be named and explained), then the zero-point routing notes in assessment order.
 */
export function cardFactors(factors: readonly RiskFactor[]): RiskFactor[] {
  const scored = factors.filter((f) => f.points !== 0).sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
  return [...scored, ...factors.filter(isRoutingNote)];
}

/**
 * "+20 high sensitivity (demo-db)", or "routing: on call for INC-7: …" for a zero-point note (never a bare
 * "0"); the reason cut to `reasonMax` characters when given.
 */
export function formatCardFactor(factor: RiskFactor, reasonMax = Number.POSITIVE_INFINITY): string {
  const reason = factor.reason.length > reasonMax ? `${cutText(factor.reason, reasonMax - 1).trimEnd()}…` : factor.reason;
  return factor.points === 0 ? `routing: ${reason}` : `${formatPoints(factor.points)} ${reason}`;
}

/** The card's factor line: "+20 a, +10 b, routing: c". */
export function formatCardFactors(factors: readonly RiskFactor[], reasonMax?: number, separator = ', '): string {
  return factors.map((f) => formatCardFactor(f, reasonMax)).join(separator);
}

/**
 * The largest cap on each factor's reason (at most `reasonMax`) with which `fits` accepts the rendering:
 * a surface with a size limit cuts the longest reasons first and never drops a factor. When even a
 * one-character cap does not fit, that cap (the surface's own limit then cuts the end).
 */
export function fitReasonMax(
  factors: readonly RiskFactor[],
  fits: (reasonMax: number) => boolean,
  reasonMax = Number.POSITIVE_INFINITY,
): number {
  const longest = Math.min(reasonMax, Math.max(1, ...factors.map((f) => f.reason.length)));
  if (fits(longest)) return longest;
  // Longer caps only ever lengthen the rendering, so the largest cap that fits is found by bisection.
  let low = 1;
  let high = longest - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** The card's factor line within `budget` characters as `measure` counts them (escaping may lengthen it). */
export function fitCardFactors(
  factors: readonly RiskFactor[],
  budget: number,
  options: { reasonMax?: number; measure?: (line: string) => number; separator?: string } = {},
): string {
  const measure = options.measure ?? ((line: string) => line.length);
  const format = (max: number) => formatCardFactors(factors, max, options.separator);
  return format(fitReasonMax(factors, (max) => measure(format(max)) <= budget, options.reasonMax));
}
