import { and, eq, lt, sql } from 'drizzle-orm';
import type { InboundEventLog } from '../core/ports/inbound.js';
import type { Database } from './database.js';
import { inboundEvents as t } from './schema.js';

/** InboundEventLog on the inbound_events table: one INSERT … ON CONFLICT decides who was first. */
export function createInboundEventLog(db: Database, beforeUse: (method: string) => void = () => {}): InboundEventLog {
  return {
    async claim(source, key, now, ttlMs) {
      beforeUse('inbound.claim');
      const expiresAt = new Date(now.getTime() + ttlMs);
      // An expired key that the cleanup job has not deleted yet is taken over, as if it were gone.
      const rows = await db
        .insert(t)
        .values({ source, key, receivedAt: now, expiresAt })
        .onConflictDoUpdate({
          target: [t.source, t.key],
          set: { receivedAt: now, expiresAt },
          setWhere: sql`${t.expiresAt} <= ${now.toISOString()}::timestamptz`,
        })
        .returning({ key: t.key });
      return rows.length > 0;
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
