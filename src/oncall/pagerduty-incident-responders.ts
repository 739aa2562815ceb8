import { type IncidentResponderSource, KNOWN_INCIDENT, NO_SUCH_INCIDENT, type SourceAnswer } from '../core/ports/incident-responders.js';
import type { Clock } from '../core/ports/runtime.js';
import {
  createPagerDutyApi,
  getIncident,
  listIncidentLog,
  type PagerDutyApiConfig,
  type PagerDutyIncident,
  type PagerDutyLogEntry,
  type PagerDutyReference,
  userEmail,
} from './pagerduty-api.js';
import { createPagerDutyBackoff } from './pagerduty-backoff.js';

/** The pattern used when none is given: the last run of digits in the key (INC-4211 → 4211). The policy's default is off. */
export const DEFAULT_INCIDENT_NUMBER = '([0-9]+)[^0-9]*$';

export interface PagerDutyIncidentRespondersConfig extends PagerDutyApiConfig {
  /**
   * How a Keycard incident key names a PagerDuty incident: a regular expression whose first group (or, without
   * a group, whole match) is the incident number (policy `onCall.pagerduty.incidentNumber`).
   */
  incidentNumber?: string;
  /** How long an incident's people are reused (default 60 s). */
  cacheTtlMs?: number;
  clock?: Clock;
}

/** An incident's people younger than this are not re-read for someone missing from them (they may have just acknowledged). */
const REFRESH_AFTER_MS = 5_000;
/** Incidents whose people are kept at most (one per incident asked about). */
const MAX_INCIDENTS = 200;
const USER_EMAIL_TTL_MS = 3_600_000;
const MAX_USERS = 5_000;
/** Responder-request states of someone who said yes (PagerDuty shows them as "Joined"). */
const ACCEPTED = new Set(['joined', 'accepted']);

/**
 * What one read of an incident found: `found` false for no such incident, undefined when it vanished between
 * the reads (merged, deleted); `complete` false when the log was cut.
 */
interface People {
  at: number;
  found: boolean | undefined;
  emails: Set<string>;
  complete: boolean;
  /** When the incident was open: its people answer only for a request made then (or within a day of its resolution). */
  createdAt: number | undefined;
  resolvedAt: number | undefined;
}

/** A request this long after an incident was resolved may still be its follow-up work; later, the key names an old incident. */
const AFTER_RESOLUTION_MS = 86_400_000;
/** Clocks differ: an incident created up to this long after the request counts as open at the request. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** The PagerDuty incident number an incident key names, or undefined when the pattern finds none in it. */
export function incidentNumberOf(key: string, pattern: string = DEFAULT_INCIDENT_NUMBER): string | undefined {
  const match = new RegExp(pattern).exec(key);
  const digits = match ? (match[1] ?? match[0]) : undefined;
  if (!digits || !/^[0-9]{1,15}$/.test(digits) || Number(digits) === 0) return undefined;
  return String(Number(digits));
}

const isUser = (ref: PagerDutyReference) => ref.type === 'user' || ref.type === 'user_reference';

/** Who the incident names now: its assignees, who acknowledged it, and responders who accepted a request. */
function peopleOf(incident: PagerDutyIncident): PagerDutyReference[] {
  return [
    ...incident.assignees,
    ...incident.acknowledgers,
    ...incident.responders.filter((r) => ACCEPTED.has(r.state ?? '')).map((r) => r.user),
  ];
}

/** Who the log names: who acknowledged, and whom it was assigned to (assignment, reassignment, escalation). */
function loggedPeople(entry: PagerDutyLogEntry): PagerDutyReference[] {
  return [...(entry.type === 'acknowledge_log_entry' && entry.agent ? [entry.agent] : []), ...entry.assignees];
}

/**
 * An incident's responders according to PagerDuty (REST API v2): the key's number (`INC-4211` → incident
 * #4211, by `incidentNumber`) is fetched with GET /incidents/{number}, which takes an incident number as
 * well as an id, and its people are the users it is assigned to, who acknowledged it, responders who joined
 * it, and those the incident log (GET /incidents/{id}/log_entries) shows acknowledging or being assigned, so
 * who handed the incident on still counts, and so does everyone after it is resolved (when PagerDuty empties
 * its assignments). Emails are compared lower-cased. The people are cached per incident for `cacheTtlMs` and
 * re-read for someone missing from a read older than a few seconds (they may have just acknowledged);
 * concurrent lookups share a read. No incident of that number, or one not open when the request was made,
 * is NO_SUCH_INCIDENT; someone missing from a log cut at the page cap is KNOWN_INCIDENT (the incident exists,
 * whether they respond is unknown); a key without a number or an incident gone between the reads is "unknown".
 * Failures throw PagerDutyError (the core treats them as unknown).
 */
export function createPagerDutyIncidentResponders(config: PagerDutyIncidentRespondersConfig): IncidentResponderSource {
  const api = createPagerDutyApi(config);
  const pattern = config.incidentNumber ?? DEFAULT_INCIDENT_NUMBER;
  const ttl = config.cacheTtlMs ?? 60_000;
  const clock = config.clock ?? { now: () => new Date() };
  const incidents = new Map<string, People>();
  const loading = new Map<string, Promise<People>>();
  const emails = new Map<string, { at: number; email: Promise<string | undefined> }>();
  const backoff = createPagerDutyBackoff();

  /** The email of a user the incident names: from the answer when it carried one, else GET /users/{id} (cached). */
  function emailOf(ref: PagerDutyReference, now: number): Promise<string | undefined> {
    if (ref.email) return Promise.resolve(ref.email.toLowerCase());
    const known = emails.get(ref.id);
    if (known && now - known.at < USER_EMAIL_TTL_MS) return known.email;
    const email = userEmail(api, ref.id);
    emails.delete(ref.id);
    emails.set(ref.id, { at: now, email });
    // A failed lookup is not remembered: the next read asks again.
    email.catch(() => {
      if (emails.get(ref.id)?.email === email) emails.delete(ref.id);
    });
    while (emails.size > MAX_USERS) emails.delete(emails.keys().next().value as string);
    return email;
  }

  async function read(number: string): Promise<People> {
    const at = clock.now().getTime();
    const incident = await getIncident(api, number);
    let people: People = { at, found: false, emails: new Set(), complete: true, createdAt: undefined, resolvedAt: undefined };
    // The number names the incident; an answer about another one (were the endpoint ever to read it as an id) is none.
    if (incident && (incident.number === undefined || String(incident.number) === number)) {
      const log = await listIncidentLog(api, incident.id);
      // Gone between the two reads (merged, deleted): unknown for this incident, not a PagerDuty failure.
      if (!log) return remember(number, { ...people, found: undefined });
      const refs = new Map<string, PagerDutyReference>();
      for (const ref of [...peopleOf(incident), ...log.entries.flatMap(loggedPeople)]) {
        if (isUser(ref) && (!refs.has(ref.id) || ref.email)) refs.set(ref.id, ref);
      }
      const resolved = await Promise.all([...refs.values()].map((ref) => emailOf(ref, at)));
      people = {
        at,
        found: true,
        emails: new Set(resolved.filter((e): e is string => e !== undefined)),
        complete: log.complete,
        createdAt: incident.createdAt?.getTime(),
        resolvedAt: incident.resolvedAt?.getTime(),
      };
    }
    return remember(number, people);
  }

  function remember(number: string, people: People): People {
    incidents.delete(number);
    incidents.set(number, people);
    // Incidents come and go: keep the people of the most recent ones only.
    while (incidents.size > MAX_INCIDENTS) incidents.delete(incidents.keys().next().value as string);
    return people;
  }

  /**
   * One read per incident at a time: requests citing the same incident at once share it. A failure leaves
   * PagerDuty alone for a while (a bad token for five minutes, a rate limit as Retry-After says), so a broken
   * integration costs one failed call per wait, not one per request.
   */
  function load(number: string): Promise<People> {
    let pending = loading.get(number);
    if (!pending) {
      pending = read(number).then(
        (people) => {
          backoff.succeeded();
          return people;
        },
        (error: unknown) => {
          throw backoff.failed(error, clock.now().getTime()).error;
        },
      );
      const settled = pending.finally(() => loading.delete(number));
      settled.catch(() => undefined);
      loading.set(number, pending);
    }
    return pending;
  }

  /**
   * An incident that was not open when the request was made (created after it, or resolved more than a day
   * before it) says nothing about the request: `INC-17` from two years ago is not today's incident.
   */
  const openAt = (people: People, at: number) =>
    (people.createdAt === undefined || people.createdAt <= at + CLOCK_SKEW_MS) &&
    (people.resolvedAt === undefined || at <= people.resolvedAt + AFTER_RESOLUTION_MS);
  const answer = (people: People, email: string, at: number): SourceAnswer => {
    if (people.found === undefined) return undefined;
    if (!people.found || !openAt(people, at)) return NO_SUCH_INCIDENT;
    return people.emails.has(email) ? true : people.complete ? false : KNOWN_INCIDENT;
  };

  return {
    async isResponder(email, incidentKey, asked) {
      const number = incidentNumberOf(incidentKey, pattern);
      if (!number) return undefined;
      const who = email.toLowerCase();
      const now = clock.now().getTime();
      const known = incidents.get(number);
      const at = asked.getTime();
      if (known && now - known.at < ttl && (known.emails.has(who) || now - known.at < REFRESH_AFTER_MS)) return answer(known, who, at);
      // Backing off after a failure: a responder read before still counts; anything else is unknown, and PagerDuty is not asked.
      if (backoff.blocked(now)) return known && answer(known, who, at) === true ? true : undefined;
      return answer(await load(number), who, at);
    },
  };
}
