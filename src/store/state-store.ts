import { and, asc, eq } from 'drizzle-orm';
import type { Clock } from '../core/ports/runtime.js';
import type { StateStore } from '../core/ports/state.js';
import type { Database } from './database.js';
import { kvState as t } from './schema.js';

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
    async list(namespace) {
      beforeUse('state.list');
      return db.select({ key: t.key, value: t.value }).from(t).where(eq(t.namespace, namespace)).orderBy(asc(t.key));
    },
  };
}
