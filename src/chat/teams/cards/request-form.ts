import { parseDuration } from '../../../core/duration.js';
import { ownEntry } from '../../../core/policy/own-entry.js';
import type { Policy } from '../../../core/policy/schema.js';
import { isIncidentKey, notAnIncidentKey } from '../../../core/risk/incident.js';
import { quoteInput } from '../../../core/views/safe-text.js';
import { type AdaptiveCard, type CardElement, card, execute, inline, text, truncate } from './adaptive.js';

/** What the form sends back (Action.Execute merges inputs into the action data). */
export interface FormValues {
  resource?: string;
  duration?: string;
  level?: string;
  reason?: string;
  incident?: string;
}

export type FormField = keyof FormValues;
export type FieldErrors = Partial<Record<FormField | 'form', string>>;

export interface FormRequest {
  resource: string;
  level?: string;
  durationMs?: number;
  reason: string;
  incidentKey?: string;
}

const DEFAULT_LEVEL = '';
const MAX_REASON = 1000;
const MAX_CHOICES = 100;

function errorLine(message: string | undefined): CardElement[] {
  return message ? [text(inline(message), { color: 'Attention', size: 'Small', spacing: 'None' })] : [];
}

/** The form a bare `access` replies with: resource choice set from the policy, duration, level, reason, incident. */
export function requestForm(policy: Policy, values: FormValues = {}, errors: FieldErrors = {}): AdaptiveCard {
  const resources = Object.entries(policy.resources).slice(0, MAX_CHOICES);
  const levels = [...new Set(Object.values(policy.resources).flatMap((r) => Object.keys(r.levels)))];
  const body: CardElement[] = [text('Request temporary access', { weight: 'Bolder', size: 'Medium' })];
  if (errors.form) body.push(text(inline(errors.form), { color: 'Attention', wrap: true }));
  body.push(
    {
      type: 'Input.ChoiceSet',
      id: 'resource',
      label: 'Resource',
      isRequired: true,
      errorMessage: 'Choose a resource.',
      choices: resources.map(([name, r]) => ({ title: r.description ? truncate(`${name} · ${r.description}`, 80) : name, value: name })),
      ...(values.resource ? { value: values.resource } : {}),
    },
    ...errorLine(errors.resource),
    {
      type: 'Input.Text',
      id: 'duration',
      label: 'Duration (e.g. 30m, 1h30m; empty for the resource default)',
      placeholder: '30m',
      maxLength: 16,
      ...(values.duration ? { value: values.duration } : {}),
    },
    ...errorLine(errors.duration),
    {
      type: 'Input.ChoiceSet',
      id: 'level',
      label: 'Level',
      value: values.level ?? DEFAULT_LEVEL,
      choices: [{ title: 'Resource default', value: DEFAULT_LEVEL }, ...levels.map((l) => ({ title: l, value: l }))],
    },
    ...errorLine(errors.level),
    {
      type: 'Input.Text',
      id: 'reason',
      label: 'Reason',
      placeholder: 'What are you fixing? Mention the ticket or incident.',
      isMultiline: true,
      isRequired: true,
      maxLength: MAX_REASON,
      errorMessage: 'Say why you need access.',
      ...(values.reason ? { value: values.reason } : {}),
    },
    ...errorLine(errors.reason),
    {
      type: 'Input.Text',
      id: 'incident',
      label: 'Incident (optional)',
      placeholder: 'INC-4211',
      maxLength: 64,
      ...(values.incident ? { value: values.incident } : {}),
    },
    ...errorLine(errors.incident),
  );
  return card(body, [execute('Request access', { kc: 'submitRequest' }, 'positive')]);
}

const str = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

/** Reads the submitted fields; values the card cannot produce (wrong types) count as empty. */
export function readFormValues(data: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const key of ['resource', 'duration', 'level', 'reason', 'incident'] as const) {
    const value = str(data[key]);
    if (value) values[key] = value;
  }
  return values;
}

/** Field-level validation of what the form can check itself; the core checks the rest (bounds, levels, tiers). */
export function validateForm(policy: Policy, values: FormValues): { ok: true; request: FormRequest } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const resource = values.resource?.toLowerCase() ?? '';
  if (!resource) errors.resource = 'Choose a resource.';
  else if (!ownEntry(policy.resources, resource)) errors.resource = `Unknown resource ${quoteInput(resource)}.`;
  const durationMs = values.duration ? parseDuration(values.duration) : undefined;
  if (values.duration && durationMs === undefined)
    errors.duration = `${quoteInput(values.duration)} is not a duration (use e.g. 90s, 30m, 1h30m, 2h).`;
  const levels = Object.keys(ownEntry(policy.resources, resource)?.levels ?? {});
  if (values.level && levels.length > 0 && !levels.includes(values.level)) {
    errors.level = `${resource} has no ${quoteInput(values.level)} level (levels: ${levels.join(', ')}).`;
  }
  const reason = values.reason ?? '';
  if (!reason) errors.reason = 'Say why you need access.';
  else if (reason.length > MAX_REASON) errors.reason = `The reason is too long (${reason.length} characters; at most ${MAX_REASON}).`;
  if (values.incident && !isIncidentKey(values.incident, policy.incidents.keyPattern))
    errors.incident = `${notAnIncidentKey(quoteInput(values.incident), policy.incidents.keyPattern)}, e.g. INC-4211.`;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const request: FormRequest = { resource, reason };
  if (durationMs !== undefined) request.durationMs = durationMs;
  if (values.level) request.level = values.level;
  if (values.incident) request.incidentKey = values.incident.toUpperCase();
  return { ok: true, request };
}

/** Maps a core refusal to the field it is about, so the form shows it next to that input. */
export function fieldOfRefusal(code: string): FormField | 'form' {
  if (code === 'unknown_resource' || code === 'resource_removed') return 'resource';
  if (code === 'unknown_level') return 'level';
  if (code === 'invalid_incident_key') return 'incident';
  if (code.startsWith('duration_')) return 'duration';
  return 'form';
}
