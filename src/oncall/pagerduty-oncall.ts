import type { OnCallSource } from '../core/ports/oncall.js';
import { type Clock, type Logger, silentLogger } from '../core/ports/runtime.js';
import { createPagerDutyApi, listOnCalls, type OnCallShift, type PagerDutyApiConfig, userEmail } from './pagerduty-api.js';
import { createPagerDutyBackoff } from './pagerduty-backoff.js';

export interface PagerDutyOnCallConfig extends PagerDutyApiConfig {
  scheduleIds: string[];
  /** How long an answer is reused (default 60 s). */
  cacheTtlMs?: number;
  log?: Logger;
  clock?: Clock;
}

/** Each fetch covers this much time around the asked instant, so a stale answer can stand in during an outage. */
const LOOKBEHIND_MS = 60_000;
const LOOKAHEAD_MS = 15 * 60_000;
const USER_EMAIL_TTL_MS = 3_600_000;

interface Snapshot {
  fetchedAt: number;
  since: number;
  until: number;
  shifts: OnCallShift[];
}

/**
 * Who is on call according to PagerDuty's schedules (REST API v2 /oncalls). Answers are cached briefly;
 * on any failure it logs a warning, backs off, and answers from the last snapshot covering the instant,
 * or [] (not on call): PagerDuty being down must never block an access request.
 */
export function createPagerDutyOnCall(config: PagerDutyOnCallConfig): OnCallSource {
  const api = createPagerDutyApi(config);
  const ttl = config.cacheTtlMs ?? 60_000;
  const log = config.log ?? silentLogger;
  const clock = config.clock ?? { now: () => new Date() };
  const emails = new Map<string, { email: string | undefined; at: number }>();
  let snapshot: Snapshot | undefined;
  let inFlight: { since: number; until: number; promise: Promise<Snapshot> } | undefined;
  const backoff = createPagerDutyBackoff();

  const covers = (s: { since: number; until: number } | undefined, at: number) => s !== undefined && s.since <= at && at < s.until;

  const withEmails = async (shifts: OnCallShift[], now: number) => {
    for (const shift of shifts) {
      if (shift.email) continue;
      const known = emails.get(shift.userId);
      if (known && now - known.at < USER_EMAIL_TTL_MS) shift.email = known.email;
      else {
        shift.email = await userEmail(api, shift.userId);
        emails.set(shift.userId, { email: shift.email, at: now });
      }
    }
    return shifts;
  };

  const fetchSnapshot = (at: number, now: number): Promise<Snapshot> => {
    if (inFlight && covers(inFlight, at)) return inFlight.promise;
    const since = at - LOOKBEHIND_MS;
    const until = at + LOOKAHEAD_MS;
    const promise = listOnCalls(api, { scheduleIds: config.scheduleIds, since: new Date(since), until: new Date(until) })
      .then((shifts) => withEmails(shifts, now))
      .then((shifts) => ({ fetchedAt: now, since, until, shifts }));
    inFlight = { since, until, promise };
    void promise
      .finally(() => {
        if (inFlight?.promise === promise) inFlight = undefined;
      })
      .catch(() => undefined);
    return promise;
  };

  const fail = (error: unknown, now: number) => {
    const { error: pd, waitMs: wait } = backoff.failed(error, now);
    log.warn(
      { code: pd.code, err: pd.message, retryInMs: wait },
      'PagerDuty on-call lookup failed; treating the requester as not on call via PagerDuty',
    );
  };

  return {
    async onCallVia(email, at) {
      const now = clock.now().getTime();
      const instant = at.getTime();
      let current = snapshot && now - snapshot.fetchedAt < ttl && covers(snapshot, instant) ? snapshot : undefined;
      if (!current && !backoff.blocked(now)) {
        try {
          current = await fetchSnapshot(instant, now);
          snapshot = current;
          backoff.succeeded();
        } catch (error) {
          fail(error, now);
        }
      }
      // During an outage or a backoff, an older answer that covers the instant beats none.
      const usable = current ?? (covers(snapshot, instant) ? snapshot : undefined);
      if (!usable) return [];
      const who = email.toLowerCase();
      const via = usable.shifts
        .filter((s) => s.email === who && (!s.start || s.start.getTime() <= instant) && (!s.end || instant < s.end.getTime()))
        .map((s) => `pagerduty:${s.schedule}`);
      return [...new Set(via)];
    },
  };
}
