import { desc, eq } from 'drizzle-orm';
import type { ActivityInput, ActivityRecord } from '../core/types.js';
import type { Database } from './database.js';
import { isUuid } from './request-repository.js';
import { activityEvents as t } from './schema.js';

type Row = typeof t.$inferSelect;

function toRecord(row: Row): ActivityRecord {
  const event = row.event as Omit<ActivityInput, 'at'>;
  return {
    ...event,
    at: row.at,
    id: row.id,
    requestId: row.requestId,
    receivedAt: row.receivedAt,
    source: row.source as ActivityInput['source'],
  };
}

export async function recordActivity(
  db: Database,
  input: ActivityInput & { requestId: string | null; receivedAt: Date },
): Promise<ActivityRecord> {
  const { at, requestId, receivedAt, source, ...rest } = input;
  // jsonb keeps the source's fields as sent; only the columns that are queried are split out.
  const [row] = await db
    .insert(t)
    .values({ at, requestId, receivedAt, source, event: JSON.parse(JSON.stringify(rest)) as Record<string, unknown> })
    .returning();
  return toRecord(row!);
}

export async function listActivity(db: Database, requestId: string, limit: number): Promise<ActivityRecord[]> {
  if (!isUuid(requestId)) return [];
  const rows = await db.select().from(t).where(eq(t.requestId, requestId)).orderBy(desc(t.at)).limit(limit);
  return rows.map(toRecord);
}
