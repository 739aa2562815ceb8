import { sql } from 'drizzle-orm';
import { REASON_PEERS_CAP } from '../core/risk/reason-peers.js';
import type { ReasonPeersQuery } from '../core/types.js';
import { runNamed } from './compiled-sql.js';
import type { Database } from './database.js';

/**
 * Other people who gave the same reason on an access request in the window, counted up to REASON_PEERS_CAP:
 * an index-only scan of `access_requests_reason_words_idx` (reason words, requester, created_at; migration
 * 0008) that stops at the cap, so a sentence thousands of people gave costs what a rare one does. The typed
 * reason is normalised by the expression that generates `reason_words`, so both sides agree byte for byte.
 */
export async function readReasonPeers(db: Database, q: ReasonPeersQuery): Promise<number> {
  const since = new Date(q.now.getTime() - q.windowMs).toISOString();
  const rows = await runNamed(
    db,
    sql`select count(*) as people from (
        select distinct r.requester
        from access_requests r
        where r.kind = 'access'
          and r.reason_words = btrim(regexp_replace(lower(${q.reason}::text), '[^a-z0-9]+', ' ', 'g'))
          and r.created_at >= ${since}::timestamptz
          and r.created_at < ${q.now.toISOString()}::timestamptz
          and r.requester <> ${q.requester}
        limit ${REASON_PEERS_CAP}
      ) people`,
  );
  return Number(rows[0]?.people ?? 0);
}
