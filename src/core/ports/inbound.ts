/**
 * Exactly-once for inbound events across replicas and restarts: every event source (Slack deliveries,
 * Teams activities, activity ingest, Kubernetes audit ids) claims a key before it takes effect. The
 * first claim wins; a repeat within the key's lifetime is acknowledged and does nothing.
 */
export interface InboundEventLog {
  /** True when this call recorded `key` first (go ahead); false when it was seen and has not expired. */
  claim(source: string, key: string, now: Date, ttlMs: number): Promise<boolean>;
  /**
   * Claims every key of one event at once, in one statement: true only when this call recorded each of them
   * first. A statement that fails records none of them; a call that loses a key (held by someone else) still
   * records those of its keys nobody held. Two replicas of one version handed the same event can never each win
   * a different key of it, so exactly one of them is first.
   */
  claimAll(source: string, keys: ReadonlyArray<{ key: string; ttlMs: number }>, now: Date): Promise<boolean>;
  /** Forgets a claim whose event could not be processed, so the sender's retry takes effect. */
  release(source: string, key: string): Promise<void>;
  /** Deletes keys that expired before `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}
