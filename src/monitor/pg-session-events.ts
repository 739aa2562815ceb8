import type { AccessRequest, ActivityInput } from '../core/types.js';

/** One backend of a granted role as the Postgres provider's `activity` capability reports it (pg_stat_activity). */
export interface PgSessionActivity {
  pid: number;
  clientAddr: string | null;
  state: string | null;
  query: string | null;
  queryStart: Date | null;
  backendStart: Date | null;
}

export interface SessionEvent {
  /** Identifies what was reported, so each statement (pid, query_start) is reported once. */
  key: string;
  input: ActivityInput;
}

/** What pg_stat_activity shows when the poller's role may not read other roles' statements. */
export const HIDDEN_QUERY = '<insufficient privilege>';

export function hasVisibleQuery(session: PgSessionActivity): session is PgSessionActivity & { query: string; queryStart: Date } {
  return session.query !== null && session.query.trim() !== '' && session.query !== HIDDEN_QUERY && session.queryStart !== null;
}

/**
 * The activity a grant's sessions stand for: each session's current (or, when idle, last) statement,
 * stamped with its query_start; and, for a grant that has ended, each session still connected, once,
 * stamped now (use after expiry). Keys in `seen` were reported before and are left out.
 */
export function sessionEvents(
  grant: AccessRequest,
  sessions: PgSessionActivity[],
  context: { seen: ReadonlySet<string>; now: Date; role?: string },
): SessionEvent[] {
  const ref = `KC-${grant.number}`;
  const ended = grant.status !== 'active';
  const events: SessionEvent[] = [];
  for (const session of sessions) {
    const base: ActivityInput = { at: context.now, source: 'pg-poller', grantRef: ref, resource: grant.resource };
    if (context.role) base.principal = context.role;
    if (session.clientAddr) base.sourceAddress = session.clientAddr;
    const details = { pid: session.pid, state: session.state, backendStart: session.backendStart?.toISOString() };
    if (hasVisibleQuery(session)) {
      const key = `${session.pid}@${session.queryStart.toISOString()}`;
      if (!context.seen.has(key)) {
        events.push({ key, input: { ...base, at: session.queryStart, statement: session.query, details } });
      }
    }
    const aliveKey = `${session.pid}@alive@${session.backendStart?.getTime() ?? 0}`;
    if (ended && !context.seen.has(aliveKey)) {
      events.push({ key: aliveKey, input: { ...base, details: { ...details, sessionAliveAfterEnd: true } } });
    }
  }
  return events;
}

/** Keys worth remembering: only those of sessions still there, so the memory does not grow with every statement. */
export function keysStillPresent(keys: Iterable<string>, sessions: PgSessionActivity[]): string[] {
  const pids = new Set(sessions.map((s) => String(s.pid)));
  return [...keys].filter((key) => pids.has(key.split('@')[0] ?? ''));
}
