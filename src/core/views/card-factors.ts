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

/** What an approval card shows of the assessment. */
export interface CardFactors {
  /** The largest scored factors, then every zero-point routing explanation, in assessment order. */
  shown: RiskFactor[];
  /** Scored factors left out of `shown`. */
  more: number;
}

/** A zero-point factor a card shows in place of points, as a routing note. */
export function isRoutingNote(factor: RiskFactor): boolean {
  if (factor.points !== 0) return false;
  // Off-hours waived because that hour is their habit: the approver sees why a night request scored nothing for time.
  return ROUTING_FACTORS.has(factor.id) || (factor.id === 'time' && factor.reason.includes(USUAL_HOUR));
}

/**
 * A cited incident key that did not check out: always on the card, whatever its points, since the approver
 * reads the key as the request's justification and must see that it was not taken (nor its on-call relief).
 */
const CITED_KEY_REFUSED: ReadonlySet<string> = new Set(['incident-not-responder', 'incident-unknown']);

/**
 * Picks the factors for a card: up to `count` non-zero ones, largest effect first, then a refused incident
 * key if it is not among them, plus the routing notes.
 */
export function cardFactors(factors: RiskFactor[], count = 4): CardFactors {
  const scored = factors.filter((f) => f.points !== 0).sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
  const top = scored.slice(0, count);
  const refused = scored.slice(count).filter((f) => CITED_KEY_REFUSED.has(f.id));
  return { shown: [...top, ...refused, ...factors.filter(isRoutingNote)], more: scored.length - top.length - refused.length };
}

/**
 * "+20 high sensitivity (demo-db)", or "routing: on call for INC-7: …" for a zero-point note (never a bare
 * "0"); the reason cut to `reasonMax` characters when given.
 */
export function formatCardFactor(factor: RiskFactor, reasonMax = Number.POSITIVE_INFINITY): string {
  const reason = factor.reason.length > reasonMax ? `${cutText(factor.reason, reasonMax - 1).trimEnd()}…` : factor.reason;
  return factor.points === 0 ? `routing: ${reason}` : `${formatPoints(factor.points)} ${reason}`;
}

/** The card's factor line: "+20 a, +10 b, routing: c · +2 more" (the count only when scored factors were left out). */
export function formatCardFactors(factors: RiskFactor[], more: number, reasonMax?: number): string {
  const line = factors.map((f) => formatCardFactor(f, reasonMax)).join(', ');
  if (more === 0) return line;
  return line ? `${line} · +${more} more` : `+${more} more`;
}
