import { createHash } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import type { InboundEventLog } from '../core/ports/inbound.js';
import { compiled, runSql } from './compiled-sql.js';
import type { Database } from './database.js';
import { inboundEvents as t } from './schema.js';

/** Keys per claim statement, about (a whole event's keys always go in one statement). */
const MAX_BATCH = 500;

/** One event's claim: all of its keys, in one statement; first only if it records every one of them. */
interface PendingClaim {
  source: string;
  keys: ReadonlyArray<{ key: string; expiresAt: Date }>;
  receivedAt: Date;
  settle(claimed: boolean): void;
  fail(error: unknown): void;
}

const idOf = (source: string, key: string) => `${source}\u0000${key}`;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Longer keys are stored as their digest (a btree entry is limited to about 2,700 bytes). */
const MAX_STORED_KEY_BYTES = 512;

/**
 * The key as stored. Keys come from senders (a Teams activity id, a Kubernetes audit id): one that Postgres
 * cannot store as text (a NUL, half of a surrogate pair) or index (too long) would fail the whole statement,
 * and with it every other event's claim batched with it. Such a key is stored as the SHA-256 of its UTF-16 code
 * units instead, which is as unique and the same on every replica; every other key is stored as it is.
 */
export function storedKey(key: string): string {
  if (!key.includes('\u0000') && !LONE_SURROGATE.test(key) && Buffer.byteLength(key, 'utf8') <= MAX_STORED_KEY_BYTES) return key;
  return `sha256:${createHash('sha256').update(Buffer.from(key, 'utf16le')).digest('hex')}`;
}

/**
 * The claim statement: rows in byte order of source and key, whatever the database's collation, so every
 * replica takes the keys' locks in the same order. An expired key that the cleanup job has not deleted yet is
 * taken over, as if it were gone. One text for every batch size, so it is prepared once per connection.
 */
const CLAIM = compiled(`insert into inbound_events (source, key, received_at, expires_at)
  select v.source, v.key, v.received_at, v.expires_at
  from jsonb_to_recordset($1::jsonb) as v(source text, key text, received_at timestamptz, expires_at timestamptz)
  order by v.source collate "C", v.key collate "C"
  on conflict (source, key) do update set received_at = excluded.received_at, expires_at = excluded.expires_at
    where inbound_events.expires_at <= excluded.received_at
  returning source, key`);

/**
 * InboundEventLog on the inbound_events table: INSERT … ON CONFLICT decides who was first. Claims that
 * arrive while a claim statement is in flight wait for it and then go together in the next one, so a
 * burst of deliveries costs a few round trips instead of one per key; a lone claim goes out at once.
 */
export function createInboundEventLog(db: Database, beforeUse: (method: string) => void = () => {}): InboundEventLog {
  let waiting: PendingClaim[] = [];
  let flushing = false;

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (waiting.length > 0) {
        // Whole events only: an event's keys never straddle two statements.
        let take = 0;
        for (let rows = 0; take < waiting.length && (take === 0 || rows + waiting[take]!.keys.length <= MAX_BATCH); take += 1)
          rows += waiting[take]!.keys.length;
        const batch = waiting.slice(0, take);
        waiting = waiting.slice(take);
        await claimBatch(db, batch);
      }
    } finally {
      flushing = false;
    }
  }

  const claimAll: InboundEventLog['claimAll'] = (source, keys, now) => {
    beforeUse('inbound.claim');
    if (keys.length === 0) return Promise.reject(new Error('an inbound claim needs at least one key'));
    // Checked here, so a bad claim fails alone instead of failing the statement it would share with others.
    const expiring = keys.map(({ key, ttlMs }) => ({ key: storedKey(key), expiresAt: new Date(now.getTime() + ttlMs) }));
    if (expiring.some(({ expiresAt }) => !Number.isFinite(expiresAt.getTime())) || !keys.every(({ ttlMs }) => ttlMs > 0))
      return Promise.reject(new Error(`an inbound claim needs a valid time and a positive lifetime for each key (${source})`));
    return new Promise<boolean>((resolve, reject) => {
      waiting.push({ source, keys: expiring, receivedAt: now, settle: resolve, fail: reject });
      if (!flushing) void flush();
    });
  };

  return {
    claim: (source, key, now, ttlMs) => claimAll(source, [{ key, ttlMs }], now),
    claimAll,
    async release(source, key) {
      beforeUse('inbound.release');
      await db.delete(t).where(and(eq(t.source, source), eq(t.key, storedKey(key))));
    },
    async purgeExpired(now) {
      beforeUse('inbound.purgeExpired');
      const rows = await db.delete(t).where(lt(t.expiresAt, now)).returning({ key: t.key });
      return rows.length;
    },
  };
}

/**
 * One statement for many events' claims. A key wanted by two events of the batch goes to the first of them
 * only (a row cannot be upserted twice in one statement), and an event is first only if it won every key of
 * its own. The statement takes the rows in key order, so replicas inserting overlapping batches wait for each
 * other instead of deadlocking; and as it records all of its rows or none, a failure leaves nothing claimed.
 */
async function claimBatch(db: Database, batch: PendingClaim[]): Promise<void> {
  const owners = new Map<string, { claim: PendingClaim; source: string; key: string; expiresAt: Date }>();
  for (const claim of batch) {
    for (const { key, expiresAt } of claim.keys) {
      const id = idOf(claim.source, key);
      if (!owners.has(id)) owners.set(id, { claim, source: claim.source, key, expiresAt });
    }
  }
  const rows = [...owners.values()];
  let won: Set<string>;
  try {
    const recordset = JSON.stringify(
      rows.map((row) => ({
        source: row.source,
        key: row.key,
        received_at: row.claim.receivedAt.toISOString(),
        expires_at: row.expiresAt.toISOString(),
      })),
    );
    const returned = await runSql(db, CLAIM.text, [recordset], CLAIM.name);
    won = new Set(returned.map((row) => idOf(String(row.source), String(row.key))));
  } catch (error) {
    for (const claim of batch) claim.fail(error);
    return;
  }
  for (const claim of batch) {
    claim.settle(
      claim.keys.every(({ key }) => {
        const id = idOf(claim.source, key);
        return owners.get(id)?.claim === claim && won.has(id);
      }),
    );
  }
}
