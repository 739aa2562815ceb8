import { isDurationShaped } from '../../../core/commands/duration-token.js';
import { mistypedLevel } from '../../../core/commands/mistyped-level.js';
import { parseDuration } from '../../../core/duration.js';
import { checkDuration } from '../../../core/lifecycle/plan.js';
import { resolveResource } from '../../../core/policy/access.js';
import { ownEntry } from '../../../core/policy/own-entry.js';
import type { Policy } from '../../../core/policy/schema.js';
import { isIncidentKey, notAnIncidentKey } from '../../../core/risk/incident.js';
import { quoteInput } from '../../../core/views/safe-text.js';
import { REQUEST_FIELD } from '../action-ids.js';
import { MAX_REASON } from '../render/modals.js';
import { checkedValues, selectedValue, textValue } from './view-state.js';

export interface RequestFormInput {
  resource: string;
  level?: string;
  durationMs?: number;
  reason: string;
  incidentKey?: string;
  breakGlass: boolean;
}

export type RequestFormResult = { ok: true; value: RequestFormInput } | { ok: false; errors: Record<string, string> };

/**
 * Checks the request modal against the policy before it closes, so mistakes come back as errors
 * next to the field (Slack's `response_action: 'errors'`). Pure: runs inside the 3 s ack budget.
 */
export function validateRequestForm(policy: Policy, values: unknown): RequestFormResult {
  const errors: Record<string, string> = {};
  const name = selectedValue(values, REQUEST_FIELD.resource) ?? '';
  const resource = resolveResource(policy, name);
  if (!resource)
    errors[REQUEST_FIELD.resource] = name ? `${quoteInput(name)} is no longer in the policy; pick another.` : 'Pick a resource.';

  const durationText = textValue(values, REQUEST_FIELD.duration);
  let durationMs: number | undefined;
  if (durationText) {
    durationMs = parseDuration(durationText);
    if (durationMs === undefined)
      errors[REQUEST_FIELD.duration] = `${quoteInput(durationText)} is not a duration; use e.g. 90s, 30m, 1h30m, 2h.`;
    else if (resource) {
      const bounds = checkDuration(resource.name, durationMs, resource, durationText);
      if (!bounds.ok) errors[REQUEST_FIELD.duration] = bounds.message;
    }
  }

  const level = selectedValue(values, REQUEST_FIELD.level);
  if (level && resource && !resource.levelNames.includes(level)) {
    errors[REQUEST_FIELD.level] = `${resource.name} has no ${quoteInput(level)} level (levels: ${resource.levelNames.join(', ')}).`;
  }

  const reason = textValue(values, REQUEST_FIELD.reason);
  if (!reason) errors[REQUEST_FIELD.reason] = 'Say why you need access; approvers read this.';
  else if (reason.length > MAX_REASON) errors[REQUEST_FIELD.reason] = `At most ${MAX_REASON} characters (this is ${reason.length}).`;

  const typed = textValue(values, REQUEST_FIELD.incident);
  const incident = typed.toUpperCase();
  if (typed && !isIncidentKey(typed, policy.incidents.keyPattern))
    errors[REQUEST_FIELD.incident] = `${notAnIncidentKey(quoteInput(typed), policy.incidents.keyPattern)}, e.g. INC-4211.`;

  if (Object.keys(errors).length > 0 || !resource) return { ok: false, errors };
  return {
    ok: true,
    value: {
      resource: resource.name,
      reason,
      breakGlass: checkedValues(values, REQUEST_FIELD.options).includes('break_glass'),
      ...(level ? { level } : {}),
      ...(durationMs !== undefined ? { durationMs } : {}),
      ...(incident ? { incidentKey: incident } : {}),
    },
  };
}

/** Best-effort prefill from `/access` text that did not parse: whatever parts are recognisable. */
export function prefillFromText(
  policy: Policy,
  text: string,
): { resource?: string; duration?: string; level?: string; reason?: string; incident?: string } {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  if (tokens[0]?.toLowerCase() === 'access' || tokens[0] === '/access') tokens.shift();
  const prefill: { resource?: string; duration?: string; level?: string; reason?: string; incident?: string } = {};
  const rest: string[] = [];
  const levelsOf = (resource: string) => Object.keys(ownEntry(policy.resources, resource)?.levels ?? {});
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i]!;
    const lower = token.toLowerCase();
    if (lower === '--incident' && tokens[i + 1]) {
      prefill.incident = tokens[i + 1]!.toUpperCase();
      i += 1;
    } else if (lower.startsWith('--')) {
    } else if (!prefill.resource && i === 0 && ownEntry(policy.resources, lower)) prefill.resource = lower;
    else if (!prefill.duration && /^\d/.test(token) && parseDuration(token) !== undefined) prefill.duration = lower;
    else if (!prefill.level && prefill.resource && levelsOf(prefill.resource).includes(lower)) prefill.level = lower;
    // What the parser refused in the level position stays out of the reason: a duration it could not read is
    // left for the duration field (the problem line says why), a mistyped level is filled in as the level meant.
    else if (rest.length === 0 && isDurationShaped(token) && parseDuration(token) === undefined) continue;
    else if (rest.length === 0 && !prefill.level && prefill.resource && mistypedLevel(lower, levelsOf(prefill.resource)))
      prefill.level = mistypedLevel(lower, levelsOf(prefill.resource));
    else rest.push(token);
  }
  if (rest.length > 0) prefill.reason = rest.join(' ');
  return prefill;
}
