import { resolveResource, tierForScore } from '../policy/access.js';
import type { Policy, TierName } from '../policy/schema.js';
import { SENSITIVITIES } from '../policy/schema.js';
import type { RiskAssessment } from '../types.js';
import { applyIncidentRelief, assessRisk, type RiskInput } from './assess.js';
import type { LedgerRequest } from './audit-ledger.js';
import { responderFromFactors } from './habit-factors.js';
import { ownZoneFromFactors } from './requester-zone.js';

/**
 * A policy weight, named by its path under `risk`: `sensitivity.critical`, `levels.write`,
 * `factors.firstAccess`. Calibration reads and proposes weights by these names, so every proposal
 * maps to one line of the policy file.
 */
export type WeightKey = string;

/** How many times each weight counts towards a request's score (most are 0/1; denials and anomalies count up to their caps). */
export type FeatureVector = ReadonlyArray<readonly [WeightKey, number]>;

type FactorName = keyof Policy['risk']['factors'];

// assessRisk's factor ids, and the weight each one is the product of.
const FACTOR_WEIGHT: Record<string, FactorName> = {
  'first-access': 'firstAccess',
  'clean-history': 'cleanHistory',
  velocity: 'velocity',
  'new-resource-burst': 'newResourceBurst',
  incident: 'incidentKey',
  ticket: 'ticketKey',
  'weak-reason': 'weakReason',
  'break-glass': 'breakGlass',
  'on-call': 'onCall',
  'step-up': 'stepUp',
  escalation: 'escalation',
  'unusual-new-resources': 'unusualNewResources',
  'outside-work': 'outsideWork',
  'pasted-reason': 'pastedReason',
  'reason-mismatch': 'reasonMismatch',
  'borrowed-reason': 'borrowedReason',
  'duration-habit': 'durationVsHabit',
  departure: 'departure',
  'incident-not-responder': 'incidentNotResponder',
  'incident-unknown': 'incidentUnknown',
  'ticket-reuse': 'ticketReuse',
  'approver-concentration': 'approverConcentration',
  'approver-rubber-stamp': 'approverRubberStamp',
  'session-anomaly': 'sessionAnomaly',
  'session-anomaly-elsewhere': 'sessionAnomalyElsewhere',
};

/**
 * The weights a request's score is made of, with their multiplicities: score = Σ weight × count,
 * rounded and kept within 0–100. The conditions come from assessRisk itself (a factor it reports
 * fired), so the two cannot drift apart; test/risk/risk-features.test.ts checks the sum.
 */
export function riskFeatures(policy: Policy, input: RiskInput): FeatureVector {
  const t = policy.risk.thresholds;
  const features: Array<[WeightKey, number]> = [[`sensitivity.${input.resourcePolicy.sensitivity}`, 1]];
  if (policy.risk.levels[input.level] !== undefined) features.push([`levels.${input.level}`, 1]);
  const share = input.durationMs / input.resourcePolicy.maxDuration;
  if (share > 0.75) features.push(['factors.durationOverThreeQuarters', 1]);
  else if (share > 0.5) features.push(['factors.durationOverHalf', 1]);
  for (const factor of assessRisk(policy, input).factors) {
    // Off-hours is judged on the requester's own clock and habits: read what assessRisk decided.
    if (factor.id === 'time' && factor.points !== 0) {
      features.push([factor.reason.startsWith('weekend') ? 'factors.weekend' : 'factors.offHours', 1]);
      continue;
    }
    if (factor.id === 'clean-history' || factor.id === 'routine') {
      // Capped together at maxHistoryDiscount: each counts as a fraction of its weight when the cap bites.
      const key = factor.id === 'routine' ? 'routineWork' : 'cleanHistory';
      const weight = policy.risk.factors[key];
      features.push([`factors.${key}`, weight === 0 ? 1 : factor.points / weight]);
      continue;
    }
    const weight = FACTOR_WEIGHT[factor.id];
    if (weight) features.push([`factors.${weight}`, 1]);
    else if (factor.id === 'recent-denials') features.push(['factors.recentDenial', Math.min(input.history.recentDenials, t.maxDenials)]);
    else if (factor.id === 'recent-anomalies')
      features.push(['factors.recentAnomaly', Math.min(input.history.recentAnomalies, t.maxAnomalies)]);
  }
  if (input.kind === 'extension') features.push(['factors.extension', 1]);
  return features;
}

/** Every weight the policy defines, by key. */
export function weightsOf(policy: Policy): Record<WeightKey, number> {
  const weights: Record<WeightKey, number> = {};
  for (const s of SENSITIVITIES) weights[`sensitivity.${s}`] = policy.risk.sensitivity[s];
  for (const [level, points] of Object.entries(policy.risk.levels)) weights[`levels.${level}`] = points;
  for (const [name, points] of Object.entries(policy.risk.factors)) weights[`factors.${name}`] = points;
  return weights;
}

/** A copy of the policy with some weights (and optionally tier bounds) replaced; unknown keys are ignored. */
export function withWeights(
  policy: Policy,
  weights: Readonly<Record<WeightKey, number>>,
  upTo?: { low: number; medium: number; high: number },
): Policy {
  const sensitivity = { ...policy.risk.sensitivity };
  const levels = { ...policy.risk.levels };
  const factors = { ...policy.risk.factors };
  for (const [key, value] of Object.entries(weights)) {
    const [group, name] = splitKey(key);
    if (group === 'sensitivity' && (SENSITIVITIES as readonly string[]).includes(name))
      sensitivity[name as keyof typeof sensitivity] = value;
    else if (group === 'levels' && name in levels) levels[name] = value;
    else if (group === 'factors' && name in factors) factors[name as FactorName] = value;
  }
  const tiers = upTo
    ? {
        ...policy.tiers,
        low: { ...policy.tiers.low, upTo: upTo.low },
        medium: { ...policy.tiers.medium, upTo: upTo.medium },
        high: { ...policy.tiers.high, upTo: upTo.high },
      }
    : policy.tiers;
  return { ...policy, tiers, risk: { ...policy.risk, sensitivity, levels, factors } };
}

/** Σ weight × count, rounded and clamped exactly as assessRisk does. */
export function scoreFeatures(features: FeatureVector, weights: Readonly<Record<WeightKey, number>>): number {
  return Math.max(0, Math.min(100, Math.round(linearScore(features, weights))));
}

/** The unrounded, unclamped sum (what the calibration fits against). */
export function linearScore(features: FeatureVector, weights: Readonly<Record<WeightKey, number>>): number {
  let total = 0;
  for (const [key, count] of features) total += (weights[key] ?? 0) * count;
  return total;
}

/** The scorer's input for a request rebuilt from the audit log, or undefined when the policy no longer has its resource. */
export function riskInputFor(policy: Policy, request: LedgerRequest): RiskInput | undefined {
  const resource = resolveResource(policy, request.resource);
  if (!resource) return undefined;
  // What the replay knows about the incident's responders, else what the submission knew then.
  const responder = request.context?.incidentResponder ?? responderFromFactors(request.recorded.factors);
  // Without a directory at hand, the zone the submission judged them in (directory or chat client) stands.
  const zone = request.context?.person ? undefined : ownZoneFromFactors(request.recorded.factors);
  const person = request.context?.person ?? (zone ? { email: request.requester, active: true, timeZone: zone } : undefined);
  return {
    resource: request.resource,
    resourcePolicy: resource,
    level: request.level,
    durationMs: request.durationMs,
    reason: request.reason,
    incidentKey: request.incidentKey,
    breakGlass: request.breakGlass,
    kind: request.kind,
    at: request.createdAt,
    history: request.history,
    ...(request.onCallVia.length > 0 ? { onCallVia: request.onCallVia } : {}),
    requester: request.requester,
    ...(person ? { person } : {}),
    ...(request.context?.habits ? { habits: request.context.habits } : {}),
    ...(responder !== undefined ? { incidentResponder: responder } : {}),
    ...(request.context?.reasonPeers !== undefined ? { reasonPeers: request.context.reasonPeers } : {}),
    ...(request.context?.usualApproverRecord ? { usualApproverRecord: request.context.usualApproverRecord } : {}),
  };
}

/** What incident relief reads of a request: its key, the requester's on-call rotations and responder status, its floor. */
function reliefOf(policy: Policy, input: RiskInput): Parameters<typeof applyIncidentRelief>[1] {
  return {
    incidentKey: input.incidentKey,
    ...(input.onCallVia ? { onCallVia: input.onCallVia } : {}),
    ...(input.incidentResponder !== undefined ? { incidentResponder: input.incidentResponder } : {}),
    relief: policy.incidents.onCallRelief,
    floor: input.resourcePolicy.minTier,
  };
}

/**
 * Scores as submission does: the named factors, then incident relief for someone on call, bounded by the
 * resource's floor. Submission (scoreRequest), policy replay and routing comparisons all use this, so a
 * replayed request lands in the tier Keycard would really have used.
 */
export function assessAsSubmitted(policy: Policy, input: RiskInput): RiskAssessment {
  return applyIncidentRelief(assessRisk(policy, input), reliefOf(policy, input));
}

/** The tier a score routes to for this input, incident relief included. */
export function routedTier(policy: Policy, input: RiskInput, score: number): TierName {
  return applyIncidentRelief({ score, tier: tierForScore(policy, score), factors: [] }, reliefOf(policy, input)).tier;
}

export function splitKey(key: WeightKey): [string, string] {
  const dot = key.indexOf('.');
  return [key.slice(0, dot), key.slice(dot + 1)];
}
