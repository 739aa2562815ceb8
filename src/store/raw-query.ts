import type { SQL } from 'drizzle-orm';
import { KeycardError } from '../core/result.js';
import type { Database } from './database.js';

/**
 * Runs hand-written SQL and returns its rows. node-postgres and PGlite both answer `{ rows: [...] }`,
 * but drizzle types the shared result as unknown, so the shape is checked here once.
 */
export async function queryRows(db: Database, query: SQL): Promise<Record<string, unknown>[]> {
  const result: unknown = await db.execute(query);
  const rows = typeof result === 'object' && result !== null && 'rows' in result ? result.rows : undefined;
  if (!Array.isArray(rows)) throw new KeycardError('store_driver_result', 'the database driver returned no rows array');
  return rows.filter((row): row is Record<string, unknown> => typeof row === 'object' && row !== null);
}

/** The first row's integer column `name` (counts are cast to int in SQL, so drivers return numbers). */
export function intColumn(row: Record<string, unknown> | undefined, name: string): number {
  const value = row?.[name];
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new KeycardError('store_driver_result', `column ${name} is not a number`);
  return n;
}
