import { z } from 'zod';
import type { ActivityInput } from '../core/types.js';

/** At most this many events per request; a shipper sends bigger backlogs as several requests. */
export const MAX_EVENTS_PER_REQUEST = 500;

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** One event of the ingest format (docs/activity.md). Unknown fields are errors, so a typo never passes silently. */
const ingestEventSchema = z
  .object({
    /** The sender's idempotency key: a resend with the same id is acknowledged and not recorded again. */
    id: text(200).optional(),
    at: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a zone, e.g. 2026-11-24T10:15:00Z' }),
    grant: z
      .string()
      .regex(/^KC-[1-9][0-9]{0,8}$/i, 'must be a Keycard grant id such as KC-12')
      .optional(),
    principal: text(256).optional(),
    resource: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a resource name from the policy (lowercase letters, digits and dashes)')
      .optional(),
    statement: text(65_536).optional(),
    verb: text(64).optional(),
    target: text(256).optional(),
    namespace: text(253).optional(),
    sourceAddress: text(256).optional(),
    volume: z.number().finite().nonnegative('must be zero or more').optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine((e) => e.grant !== undefined || e.principal !== undefined, {
    message: 'needs "grant" (e.g. KC-12) or "principal" (an email or a Keycard-made role such as kc_alice_kc_12)',
  });

type IngestEvent = z.output<typeof ingestEventSchema>;

const batchSchema = z
  .object({
    events: z
      .array(ingestEventSchema)
      .min(1, 'must hold at least one event')
      .max(MAX_EVENTS_PER_REQUEST, `must hold at most ${MAX_EVENTS_PER_REQUEST} events; send the rest in another request`),
  })
  .strict();

/** `ids[i]` is event i's own idempotency key, when the sender gave one. */
export type ParsedIngest = { ok: true; events: ActivityInput[]; ids: Array<string | undefined> } | { ok: false; issues: string[] };

/** Validates a parsed JSON body: one event object, or `{ "events": [ … ] }`. Every problem is named by its path. */
export function parseIngestBody(body: unknown): ParsedIngest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, issues: ['body: must be one event object or { "events": [ … ] }'] };
  }
  const isBatch = 'events' in body;
  const parsed = isBatch ? batchSchema.safeParse(body) : ingestEventSchema.safeParse(body);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.slice(0, 20).map((issue) => describeIssue(issue, body)) };
  const events: IngestEvent[] = 'events' in parsed.data ? parsed.data.events : [parsed.data];
  return { ok: true, events: events.map(toActivity), ids: events.map((event) => event.id) };
}

function toActivity(event: IngestEvent): ActivityInput {
  const input: ActivityInput = { at: new Date(event.at), source: 'ingest' };
  if (event.grant !== undefined) input.grantRef = event.grant.toUpperCase();
  if (event.principal !== undefined) input.principal = event.principal;
  if (event.resource !== undefined) input.resource = event.resource;
  if (event.statement !== undefined) input.statement = event.statement;
  if (event.verb !== undefined) input.verb = event.verb;
  if (event.target !== undefined) input.target = event.target;
  if (event.namespace !== undefined) input.namespace = event.namespace;
  if (event.sourceAddress !== undefined) input.sourceAddress = event.sourceAddress;
  if (event.volume !== undefined) input.volume = event.volume;
  if (event.details !== undefined) input.details = event.details;
  return input;
}

/** `events[3].at: is required`. Values are never echoed back: a statement or detail may hold data. */
function describeIssue(issue: z.core.$ZodIssue, body: unknown): string {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return `${path}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (issue.code === 'invalid_type' && valueAt(body, issue.path) === undefined) return `${path}: is required`;
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) {
    return `${path}: must be ${article(issue.expected === 'record' ? 'object' : issue.expected)}`;
  }
  return `${path}: ${issue.message}`;
}

/** zod leaves the input out of its issues; look it up to tell "missing" from "wrong type". */
function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let value = body;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) out += typeof segment === 'number' ? `[${segment}]` : `${out ? '.' : ''}${String(segment)}`;
  return out || 'body';
}
