import { and, asc, eq, sql } from 'drizzle-orm';
import type { Clock } from '../core/ports/runtime.js';
import type { StateStore } from '../core/ports/state.js';
import type { Database } from './database.js';
import { kvState as t } from './schema.js';

const LEASE_NAMESPACE = 'lease';

/** StateStore on kv_state. `beforeUse` lets the store refuse calls made inside one of its transactions. */
export function createStateStore(db: Database, clock: Clock, beforeUse: (method: string) => void = () => {}): StateStore {
  return {
    async put(namespace, key, value) {
      beforeUse('state.put');
      const updatedAt = clock.now();
      await db
        .insert(t)
        .values({ namespace, key, value, updatedAt })
        .onConflictDoUpdate({ target: [t.namespace, t.key], set: { value, updatedAt } });
    },
    async get(namespace, key) {
      beforeUse('state.get');
      const [row] = await db
        .select({ value: t.value })
        .from(t)
        .where(and(eq(t.namespace, namespace), eq(t.key, key)));
      return row?.value;
    },
    async delete(namespace, key) {
      beforeUse('state.delete');
      const rows = await db
        .delete(t)
        .where(and(eq(t.namespace, namespace), eq(t.key, key)))
        .returning({ key: t.key });
      return rows.length > 0;
    },
    async acquireLease(name, holder, now, ttlMs) {
      beforeUse('state.acquireLease');
      const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
      const value = { holder, expiresAt };
      // One statement: insert, or take over only when the current lease expired or is already ours.
      const rows = await db
        .insert(t)
        .values({ namespace: LEASE_NAMESPACE, key: name, value, updatedAt: now })
        .onConflictDoUpdate({
          target: [t.namespace, t.key],
          set: { value, updatedAt: now },
          setWhere: sql`(${t.value}->>'expiresAt')::timestamptz <= ${now.toISOString()}::timestamptz or ${t.value}->>'holder' = ${holder}`,
        })
        .returning({ key: t.key });
      return rows.length > 0;
    },
    async releaseLease(name, holder) {
      beforeUse('state.releaseLease');
      await db.delete(t).where(and(eq(t.namespace, LEASE_NAMESPACE), eq(t.key, name), sql`${t.value}->>'holder' = ${holder}`));
    },
    async purgeExpiredLeases(now) {
      beforeUse('state.purgeExpiredLeases');
      const rows = await db
        .delete(t)
        .where(and(eq(t.namespace, LEASE_NAMESPACE), sql`(${t.value}->>'expiresAt')::timestamptz < ${now.toISOString()}::timestamptz`))
        .returning({ key: t.key });
      return rows.length;
    },
    async list(namespace) {
      beforeUse('state.list');
      return db.select({ key: t.key, value: t.value }).from(t).where(eq(t.namespace, namespace)).orderBy(asc(t.key));
    },
  };
}
