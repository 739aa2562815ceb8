import { sql } from 'drizzle-orm';
import type { HistoryQuery, RequesterHistory } from '../core/types.js';
import { runNamed } from './compiled-sql.js';
import type { Database } from './database.js';
import { intColumn } from './raw-query.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The risk engine's view of a requester's past as it stood at `q.now`, in one round trip. Every subquery starts
 * from the requester (and resource), so the (requester, resource, created_at) and (requester, created_at)
 * indexes and the partial anomaly index bound the work to this person's own rows, between the window's start
 * and `now`.
 *
 * Nothing recorded after `now` counts: rows carry their current status, so a grant counts as granted only if
 * activated by then, as clean only if it had ended by then, a denial only if decided by then (what
 * `historyAsOf` in core/rollout does for replays). A live score asks at the present, where this changes nothing;
 * `risk explain --at` asks about the past.
 */
export async function readHistory(db: Database, q: HistoryQuery): Promise<RequesterHistory> {
  const at = (msAgo: number) => sql`${new Date(q.now.getTime() - msAgo).toISOString()}::timestamptz`;
  const now = at(0);
  const historySince = at(q.historyWindowMs);
  const daySince = at(DAY_MS);
  const [row] = await runNamed(
    db,
    sql`select
      (select count(*)::int from access_requests
        where requester = ${q.requester} and resource = ${q.resource} and kind = 'access'
          and created_at >= ${historySince} and created_at <= ${now} and activated_at <= ${now}
          and status in ('expired', 'revoked') and end_reason in ('expired', 'released') and ended_at <= ${now}) as clean_grants,
      (select count(*)::int from access_requests
        where requester = ${q.requester} and resource = ${q.resource} and kind = 'access'
          and created_at <= ${now} and activated_at <= ${now}) as prior_grants,
      (select count(*)::int from access_requests
        where requester = ${q.requester} and created_at >= ${at(q.denialWindowMs)} and created_at <= ${now}
          and status = 'denied' and decided_at <= ${now}) as denials,
      (select count(*)::int from audit_events
        where action = 'anomaly.detected' and (details->>'requester') = ${q.requester}
          and at >= ${historySince} and at <= ${now}) as anomalies,
      (select count(*)::int from access_requests
        where requester = ${q.requester} and kind = 'access'
          and created_at >= ${at(q.velocityWindowMs)} and created_at <= ${now}) as velocity,
      (select count(distinct recent.resource)::int from access_requests recent
        where recent.requester = ${q.requester} and recent.created_at >= ${daySince} and recent.created_at <= ${now}
          and not exists (select 1 from access_requests earlier
            where earlier.requester = ${q.requester} and earlier.resource = recent.resource
              and earlier.activated_at < ${daySince})) as new_resources`,
  );
  return {
    cleanGrantsOnResource: intColumn(row, 'clean_grants'),
    priorGrantsOnResource: intColumn(row, 'prior_grants'),
    recentDenials: intColumn(row, 'denials'),
    recentAnomalies: intColumn(row, 'anomalies'),
    requestsInVelocityWindow: intColumn(row, 'velocity'),
    newResourcesLastDay: intColumn(row, 'new_resources'),
  };
}
