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

/** One on-call entry: who is on call for which schedule, from when to when (null: open-ended). */
export interface OnCallShift {
  userId: string;
  email: string | undefined;
  schedule: string;
  start: Date | null;
  end: Date | null;
}

const reference = z.looseObject({ id: z.string(), summary: z.string().nullish(), email: z.string().nullish() });
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

/** GET /users/{id}: the email, for an on-call entry whose user came back as a bare reference. */
export async function userEmail(api: PagerDutyApi, userId: string): Promise<string | undefined> {
  const body = userResponse.safeParse(await getJson(api, `/users/${encodeURIComponent(userId)}`));
  if (!body.success) throw new PagerDutyError('unknown', 'PagerDuty answered /users with an unexpected body');
  return body.data.user.email?.toLowerCase() ?? undefined;
}

async function getJson(api: PagerDutyApi, path: string): Promise<unknown> {
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
        `PagerDuty refused ${endpoint} (${res.status}); check onCall.pagerduty.scheduleIds and apiUrl${suffix}`,
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
