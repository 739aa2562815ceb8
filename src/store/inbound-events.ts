import { and, eq, lt, sql } from 'drizzle-orm';
import type { InboundEventLog } from '../core/ports/inbound.js';
import type { Database } from './database.js';
import { inboundEvents as t } from './schema.js';

/** Rows per claim statement (four parameters each, far below Postgres' 65,535). */
const MAX_BATCH = 500;

interface PendingClaim {
  source: string;
  key: string;
  receivedAt: Date;
  expiresAt: Date;
  settle(claimed: boolean): void;
  fail(error: unknown): void;
}

const idOf = (source: string, key: string) => `${source}\u0000${key}`;

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
        const batch = waiting.slice(0, MAX_BATCH);
        waiting = waiting.slice(MAX_BATCH);
        await claimBatch(db, batch);
      }
    } finally {
      flushing = false;
    }
  }

  return {
    claim(source, key, now, ttlMs) {
      beforeUse('inbound.claim');
      return new Promise<boolean>((resolve, reject) => {
        waiting.push({ source, key, receivedAt: now, expiresAt: new Date(now.getTime() + ttlMs), settle: resolve, fail: reject });
        if (!flushing) void flush();
      });
    },
    async release(source, key) {
      beforeUse('inbound.release');
      await db.delete(t).where(and(eq(t.source, source), eq(t.key, key)));
    },
    async purgeExpired(now) {
      beforeUse('inbound.purgeExpired');
      const rows = await db.delete(t).where(lt(t.expiresAt, now)).returning({ key: t.key });
      return rows.length;
    },
  };
}

/**
 * One statement for many claims. A key twice in the batch is won by its first claim only (a row cannot be
 * upserted twice in one statement). Rows go in key order, so replicas inserting overlapping batches wait
 * for each other instead of deadlocking.
 */
async function claimBatch(db: Database, batch: PendingClaim[]): Promise<void> {
  const firsts = new Map<string, PendingClaim>();
  for (const claim of batch) {
    const id = idOf(claim.source, claim.key);
    if (!firsts.has(id)) firsts.set(id, claim);
  }
  const rows = [...firsts.values()].sort((a, b) => (a.source === b.source ? compare(a.key, b.key) : compare(a.source, b.source)));
  let won: Set<string>;
  try {
    const returned = await db
      .insert(t)
      .values(rows.map(({ source, key, receivedAt, expiresAt }) => ({ source, key, receivedAt, expiresAt })))
      // An expired key that the cleanup job has not deleted yet is taken over, as if it were gone.
      .onConflictDoUpdate({
        target: [t.source, t.key],
        set: { receivedAt: sql`excluded.received_at`, expiresAt: sql`excluded.expires_at` },
        setWhere: sql`${t.expiresAt} <= excluded.received_at`,
      })
      .returning({ source: t.source, key: t.key });
    won = new Set(returned.map((row) => idOf(row.source, row.key)));
  } catch (error) {
    for (const claim of batch) claim.fail(error);
    return;
  }
  for (const claim of batch) {
    const id = idOf(claim.source, claim.key);
    claim.settle(firsts.get(id) === claim && won.has(id));
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
