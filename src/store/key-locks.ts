import type pg from 'pg';
import type { Logger } from '../core/ports/runtime.js';
import { KeycardError } from '../core/result.js';

/** Advisory lock class of Keycard's named locks ("KCLK"); the key's hashtext is the object id. */
export const KEY_LOCK_CLASS = 0x4b434c4b;
/** How long a caller waits for a lock another replica holds before giving up with a clear error. */
export const KEY_LOCK_TIMEOUT_MS = 10_000;

const TRY_SQL = 'select pg_try_advisory_lock($1::int, hashtext($2)) as locked';
const UNLOCK_SQL = 'select pg_advisory_unlock($1::int, hashtext($2)) as unlocked';

export interface KeyLocks {
  /** Runs `work` while holding the lock named `key`: one holder at a time in this process, and across replicas on Postgres. */
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/**
 * Named locks. In the process, callers of one key queue behind each other. On Postgres, the holder also
 * takes a session advisory lock on `lockPool`, a pool of one connection kept for it: never a connection of
 * the main pool, so holders waiting on locks cannot starve the work they wait to do. The lock is tried
 * rather than waited on, so a key another replica holds does not block this connection for other keys;
 * past `timeoutMs` the caller gets a `busy` error. A lock whose connection is lost is released by the
 * server with the session.
 */
export function createKeyLocks(options: {
  lockPool?: pg.Pool;
  log: Logger;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}): KeyLocks {
  const queues = new Map<string, Promise<void>>();
  const timeoutMs = options.timeoutMs ?? KEY_LOCK_TIMEOUT_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function acquire(pool: pg.Pool, key: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
      const { rows } = await pool.query<{ locked: boolean }>(TRY_SQL, [KEY_LOCK_CLASS, key]);
      if (rows[0]?.locked) return;
      if (Date.now() + wait > deadline) {
        throw new KeycardError('busy', 'another Keycard replica is still handling a request of yours; try again in a moment');
      }
      await sleep(wait);
    }
  }

  async function release(pool: pg.Pool, key: string): Promise<void> {
    try {
      const { rows } = await pool.query<{ unlocked: boolean }>(UNLOCK_SQL, [KEY_LOCK_CLASS, key]);
      // Not held: the lock connection was replaced meanwhile, and the server dropped the lock with the old session.
      if (!rows[0]?.unlocked) options.log.warn({ lock: key }, 'a named lock was already gone when released (its connection was lost)');
    } catch (error) {
      options.log.warn({ lock: key, err: error instanceof Error ? error.message : String(error) }, 'could not release a named lock');
    }
  }

  async function holding<T>(key: string, work: () => Promise<T>): Promise<T> {
    const pool = options.lockPool;
    if (!pool) return work();
    await acquire(pool, key);
    try {
      return await work();
    } finally {
      await release(pool, key);
    }
  }

  return {
    run(key, work) {
      const before = queues.get(key) ?? Promise.resolve();
      const mine = before.then(() => holding(key, work));
      const settled = mine.then(
        () => undefined,
        () => undefined,
      );
      queues.set(key, settled);
      // The last caller of a key removes its queue, so the map holds only keys in use.
      void settled.then(() => {
        if (queues.get(key) === settled) queues.delete(key);
      });
      return mine;
    },
  };
}
