import type { Clock } from '../core/ports/runtime.js';

/**
 * A small map whose entries expire after `ttlMs` and which never holds more than `maxEntries`
 * (the oldest entry goes first). Used for Slack identity lookups and for chat profile zones.
 */
export interface TtlCache<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  /** Adds `key` if absent; returns false when it was already there (and still fresh). */
  add(key: string, value: V): boolean;
  delete(key: string): void;
  readonly size: number;
}

export function createTtlCache<V>(options: { ttlMs: number; maxEntries: number; clock: Clock }): TtlCache<V> {
  const entries = new Map<string, { value: V; expiresAt: number }>();
  const now = () => options.clock.now().getTime();
  const fresh = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const set = (key: string, value: V) => {
    entries.delete(key);
    entries.set(key, { value, expiresAt: now() + options.ttlMs });
    // Map iteration follows insertion order, so the first key is the oldest.
    while (entries.size > options.maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
    }
  };
  return {
    get: (key) => fresh(key)?.value,
    set,
    add(key, value) {
      if (fresh(key)) return false;
      set(key, value);
      return true;
    },
    delete: (key) => {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
