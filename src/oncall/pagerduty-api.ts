import { z } from 'zod';
import { PagerDutyError } from './pagerduty-error.js';

export const PAGERDUTY_API_URL = 'https://api.pagerduty.com';
const PAGE_SIZE = 100;
const MAX_PAGES = 10;

export interface PagerDutyApi {
  token: string;
  apiUrl: string;
  /** The env var holding the token, named in error messages (never the token itself). */
  tokenEnv: string;
  fetch: typeof fetch;
  timeoutMs: number;
}

/** How a PagerDuty adapter is configured to reach the API (the on-call and the incident-responder sources alike). */
export interface PagerDutyApiConfig {
  /** A PagerDuty REST API key (read-only is enough). */
  token: string;
  /** Default https://api.pagerduty.com (EU accounts: https://api.eu.pagerduty.com). */
  apiUrl?: string;
  /** Where the token came from, for error messages (policy `onCall.pagerduty.tokenEnv`). */
  tokenEnv?: string;
  fetch?: typeof fetch;
  /** Per HTTP call (default 3 s): a request waits on this, so keep it short. */
  timeoutMs?: number;
}

/** The API handle the request functions below take, with the defaults filled in. */
export function createPagerDutyApi(config: PagerDutyApiConfig): PagerDutyApi {
  return {
    token: config.token,
    apiUrl: config.apiUrl ?? PAGERDUTY_API_URL,
    tokenEnv: config.tokenEnv ?? 'the PagerDuty token variable',
    // Looked up per call, so whatever fetch is installed at the time (an interceptor in tests) is the one used.
    fetch: config.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    timeoutMs: config.timeoutMs ?? 3_000,
  };
}

/** One on-call entry: who is on call for which schedule, from when to when (null: open-ended). */
export interface OnCallShift {
  userId: string;
  email: string | undefined;
  schedule: string;
  start: Date | null;
  end: Date | null;
}

const reference = z.looseObject({
  id: z.string(),
  type: z.string().nullish(),
  summary: z.string().nullish(),
  email: z.string().nullish(),
});
const oncallsPage = z.looseObject({
  oncalls: z.array(
    z.looseObject({
      user: reference,
      schedule: reference.nullish(),
      escalation_policy: reference.nullish(),
      start: z.string().nullish(),
      end: z.string().nullish(),
    }),
  ),
  more: z.boolean().nullish(),
});
const userResponse = z.looseObject({ user: z.looseObject({ id: z.string(), email: z.string().nullish() }) });
const errorBody = z.looseObject({
  error: z.looseObject({ message: z.string().optional(), errors: z.array(z.string()).optional() }).optional(),
});

/** GET /oncalls for the schedules over [since, until], with the users' emails included. Follows pagination. */
export async function listOnCalls(api: PagerDutyApi, query: { scheduleIds: string[]; since: Date; until: Date }): Promise<OnCallShift[]> {
  const shifts: OnCallShift[] = [];
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const params = new URLSearchParams();
    for (const id of query.scheduleIds) params.append('schedule_ids[]', id);
    params.set('since', query.since.toISOString());
    params.set('until', query.until.toISOString());
    params.append('include[]', 'users');
    params.set('limit', String(PAGE_SIZE));
    params.set('offset', String(page * PAGE_SIZE));
    const body = oncallsPage.safeParse(await getJson(api, `/oncalls?${params}`));
    if (!body.success) throw new PagerDutyError('unknown', 'PagerDuty answered /oncalls with an unexpected body');
    for (const entry of body.data.oncalls) {
      shifts.push({
        userId: entry.user.id,
        email: entry.user.email?.toLowerCase() ?? undefined,
        schedule: entry.schedule?.summary ?? entry.schedule?.id ?? entry.escalation_policy?.summary ?? 'PagerDuty',
        start: entry.start ? new Date(entry.start) : null,
        end: entry.end ? new Date(entry.end) : null,
      });
    }
    if (!body.data.more) break;
  }
  return shifts;
}

/**
 * GET /users/{id}: the email (lower-cased), for a user that came back as a bare reference. Undefined for a
 * user PagerDuty no longer has (404: removed since it was paged) and for one without an email.
 */
export async function userEmail(api: PagerDutyApi, userId: string): Promise<string | undefined> {
  const json = await getJson(api, `/users/${encodeURIComponent(userId)}`, { missing: 'undefined' });
  if (json === undefined) return undefined;
  const body = userResponse.safeParse(json);
  if (!body.success) throw new PagerDutyError('unknown', 'PagerDuty answered /users with an unexpected body');
  return body.data.user.email?.toLowerCase() ?? undefined;
}

/** A user, service or integration an incident or log entry names; `email` only when the answer included it. */
export type PagerDutyReference = z.infer<typeof reference>;

/** The parts of an incident that name its people, and when it was open. */
export interface PagerDutyIncident {
  id: string;
  number: number | undefined;
  /** When it was created, and when it was resolved (undefined while open, or when PagerDuty did not say). */
  createdAt: Date | undefined;
  resolvedAt: Date | undefined;
  assignees: PagerDutyReference[];
  acknowledgers: PagerDutyReference[];
  /** Responders added through responder requests, with their state (pending, joined, declined). */
  responders: Array<{ state: string | undefined; user: PagerDutyReference }>;
}

/** One incident log entry: its type, who acted (`agent`), and who it assigned the incident to. */
export interface PagerDutyLogEntry {
  type: string;
  agent: PagerDutyReference | undefined;
  assignees: PagerDutyReference[];
}

const incidentResponse = z.looseObject({
  incident: z.looseObject({
    id: z.string(),
    incident_number: z.number().nullish(),
    status: z.string().nullish(),
    created_at: z.string().nullish(),
    resolved_at: z.string().nullish(),
    last_status_change_at: z.string().nullish(),
    assignments: z.array(z.looseObject({ assignee: reference.nullish() })).nullish(),
    acknowledgements: z.array(z.looseObject({ acknowledger: reference.nullish() })).nullish(),
    incidents_responders: z.array(z.looseObject({ state: z.string().nullish(), user: reference.nullish() })).nullish(),
  }),
});
const logEntriesPage = z.looseObject({
  log_entries: z.array(z.looseObject({ type: z.string(), agent: reference.nullish(), assignees: z.array(reference).nullish() })),
  more: z.boolean().nullish(),
});

/**
 * GET /incidents/{idOrNumber} (the endpoint takes the incident's id or its number), with assignees and
 * acknowledgers expanded so their emails come along. Undefined when PagerDuty has no such incident (404).
 */
export async function getIncident(api: PagerDutyApi, idOrNumber: string): Promise<PagerDutyIncident | undefined> {
  const params = new URLSearchParams();
  params.append('include[]', 'assignees');
  params.append('include[]', 'acknowledgers');
  const json = await getJson(api, `/incidents/${encodeURIComponent(idOrNumber)}?${params}`, { missing: 'undefined' });
  if (json === undefined) return undefined;
  const body = incidentResponse.safeParse(json);
  if (!body.success) throw new PagerDutyError('unknown', 'PagerDuty answered /incidents with an unexpected body');
  const incident = body.data.incident;
  const present = <T>(value: T | null | undefined): value is T => value !== null && value !== undefined;
  const time = (value: string | null | undefined) => {
    const t = value ? Date.parse(value) : Number.NaN;
    return Number.isFinite(t) ? new Date(t) : undefined;
  };
  return {
    id: incident.id,
    number: incident.incident_number ?? undefined,
    createdAt: time(incident.created_at),
    // A resolved incident's last status change is its resolution when PagerDuty does not give resolved_at.
    resolvedAt: incident.status === 'resolved' ? (time(incident.resolved_at) ?? time(incident.last_status_change_at)) : undefined,
    assignees: (incident.assignments ?? []).map((a) => a.assignee).filter(present),
    acknowledgers: (incident.acknowledgements ?? []).map((a) => a.acknowledger).filter(present),
    responders: (incident.incidents_responders ?? []).flatMap((r) => (r.user ? [{ state: r.state ?? undefined, user: r.user }] : [])),
  };
}

/**
 * GET /incidents/{id}/log_entries, following pagination up to MAX_PAGES pages of PAGE_SIZE.
 * `complete` is false when the page cap cut the log; undefined when the incident is gone (404: merged or
 * deleted since it was read), which says nothing about PagerDuty as a whole.
 */
export async function listIncidentLog(
  api: PagerDutyApi,
  incidentId: string,
): Promise<{ entries: PagerDutyLogEntry[]; complete: boolean } | undefined> {
  const entries: PagerDutyLogEntry[] = [];
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(page * PAGE_SIZE) });
    const json = await getJson(api, `/incidents/${encodeURIComponent(incidentId)}/log_entries?${params}`, { missing: 'undefined' });
    if (json === undefined) return undefined;
    const body = logEntriesPage.safeParse(json);
    if (!body.success) throw new PagerDutyError('unknown', 'PagerDuty answered /log_entries with an unexpected body');
    for (const entry of body.data.log_entries) {
      entries.push({ type: entry.type, agent: entry.agent ?? undefined, assignees: entry.assignees ?? [] });
    }
    if (!body.data.more) return { entries, complete: true };
  }
  return { entries, complete: false };
}

/** `missing: 'undefined'`: a 404 answers undefined instead of throwing (a lookup of something that may not exist). */
async function getJson(api: PagerDutyApi, path: string, options: { missing?: 'undefined' } = {}): Promise<unknown> {
  const endpoint = path.split('?')[0];
  let res: Response;
  try {
    res = await api.fetch(`${api.apiUrl.replace(/\/+$/, '')}${path}`, {
      headers: { authorization: `Token token=${api.token}`, accept: 'application/vnd.pagerduty+json;version=2' },
      signal: AbortSignal.timeout(api.timeoutMs),
    });
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${api.timeoutMs} ms` : 'network error';
    throw new PagerDutyError('unavailable', `PagerDuty ${endpoint}: ${reason}`, undefined, { cause: error });
  }
  if (res.status === 404 && options.missing === 'undefined') {
    await res.body?.cancel();
    return undefined;
  }
  if (res.ok) {
    try {
      return await res.json();
    } catch (error) {
      throw new PagerDutyError('unknown', `PagerDuty ${endpoint} answered with invalid JSON`, undefined, { cause: error });
    }
  }
  throw await toError(api, endpoint ?? path, res);
}

async function toError(api: PagerDutyApi, endpoint: string, res: Response): Promise<PagerDutyError> {
  const parsed = errorBody.safeParse(await res.json().catch(() => undefined));
  const detail =
    parsed.success && parsed.data.error ? [parsed.data.error.message, ...(parsed.data.error.errors ?? [])].filter(Boolean).join(': ') : '';
  const suffix = detail ? ` (${detail.slice(0, 200)})` : '';
  switch (res.status) {
    case 401:
      return new PagerDutyError(
        'auth_failed',
        `PagerDuty rejected the API token (401); set ${api.tokenEnv} to a valid REST API key${suffix}`,
      );
    case 403:
      return new PagerDutyError(
        'auth_failed',
        `the PagerDuty token in ${api.tokenEnv} may not read ${endpoint} (403); use a key with read access${suffix}`,
      );
    case 400:
    case 404:
      return new PagerDutyError(
        'invalid_config',
        `PagerDuty refused ${endpoint} (${res.status}); check onCall.pagerduty.${endpoint.startsWith('/oncalls') ? 'scheduleIds and ' : ''}apiUrl${suffix}`,
      );
    case 429:
      return new PagerDutyError('rate_limited', `PagerDuty rate limit reached on ${endpoint} (429)`, retryAfter(res));
    default:
      return new PagerDutyError(res.status >= 500 ? 'unavailable' : 'unknown', `PagerDuty ${endpoint} answered ${res.status}${suffix}`);
  }
}

/** Retry-After (seconds) or PagerDuty's ratelimit-reset (seconds until the window resets). */
function retryAfter(res: Response): number | undefined {
  for (const name of ['retry-after', 'ratelimit-reset']) {
    const seconds = Number(res.headers.get(name));
    if (Number.isFinite(seconds) && seconds > 0) return Math.min(seconds, 3600) * 1000;
  }
  return undefined;
}
