/**
 * Small durable key/value state kept in Keycard's own database, by namespace:
 * the demo provider's grants (`provider:demo`), chat message references (`slack:card`),
 * Teams conversation references (`teams:conversation`), and the like.
 */
export interface StateStore {
  put(namespace: string, key: string, value: Record<string, unknown>): Promise<void>;
  get(namespace: string, key: string): Promise<Record<string, unknown> | undefined>;
  /** Returns true when something was deleted. */
  delete(namespace: string, key: string): Promise<boolean>;
  list(namespace: string): Promise<Array<{ key: string; value: Record<string, unknown> }>>;
  /**
   * Takes or renews a named lease for `holder` until now + ttlMs, atomically: succeeds when the lease is
   * free, expired, or already held by `holder`. Replicas use it so a singleton job runs on one at a time.
   */
  acquireLease(name: string, holder: string, now: Date, ttlMs: number): Promise<boolean>;
  /** Gives a lease back early (graceful shutdown). */
  releaseLease(name: string, holder: string): Promise<void>;
  /** Deletes leases that expired before `now` (one-shot click claims accumulate otherwise); returns how many. */
  purgeExpiredLeases(now: Date): Promise<number>;
}
