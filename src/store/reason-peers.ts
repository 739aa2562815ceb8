import { type SQL, sql } from 'drizzle-orm';
import { REASON_PEERS_CAP, REASON_PEERS_SCAN } from '../core/risk/reason-peers.js';
import type { ReasonPeersQuery } from '../core/types.js';
import { runNamed } from './compiled-sql.js';
import type { Database } from './database.js';

/**
 * Other people who gave the same reason on an access request in the window, counted up to REASON_PEERS_CAP
 * among its latest REASON_PEERS_SCAN uses by others there: a backward index-only scan of
 * `access_requests_reason_words_idx` (reason words, created_at, covering requester; migration 0010) that reads
 * at most that many entries, however often the sentence was given. The typed reason is normalised by the
 * expression that generates `reason_words`; a reason with no letters or digits at all has no peers.
 */
export async function readReasonPeers(db: Database, q: ReasonPeersQuery): Promise<number> {
  const rows = await runNamed(db, reasonPeersQuery(q));
  return Number(rows[0]?.people ?? 0);
}

/** The statement `readReasonPeers` runs (exported so a test can ask Postgres for its plan). */
export function reasonPeersQuery(q: ReasonPeersQuery): SQL {
  const since = new Date(q.now.getTime() - q.windowMs).toISOString();
  return sql`select least(count(distinct u.requester), ${REASON_PEERS_CAP}) as people
    from (
      select r.requester
      from access_requests r
      where r.kind = 'access'
        and r.reason_words = btrim(regexp_replace(lower(${q.reason}::text), '[^a-z0-9]+', ' ', 'g'))
        and r.reason_words <> ''
        and r.created_at >= ${since}::timestamptz
        and r.created_at < ${q.now.toISOString()}::timestamptz
        and r.requester <> ${q.requester}
      order by r.created_at desc
      limit ${REASON_PEERS_SCAN}
    ) u`;
}
