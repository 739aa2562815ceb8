/**
 * A bounded per-requester cache of what scoring reads from the store (history counts, habit records),
 * so a burst of scores for the same people does not make two database round trips each (issue #19:
 * ≥ 10,000 scores/s). It never widens access beyond a bounded delay: an entry is served only while it is
 * at most `maxStalenessMs` old (by the injected clock) and was read for an instant within that much of
 * the one asked about, and every write of the requester's own that raises their risk on this replica
 * (a submission, a decision, an anomaly) drops their entries at once. What another replica wrote in the
 * last `maxStalenessMs` can be missed, which is the whole bound.
 */
export interface ScoringCache {
  /** The value cached under (requester, key) when fresh enough for `at`; else `load()`, shared by concurrent callers. */
  get<T>(requester: string, key: string, at: Date, maxStalenessMs: number, load: () => Promise<T>): Promise<T>;
  /** Drops everything cached for the requester (their own write just changed it). */
  invalidate(requester: string): void;
  readonly size: number;
}

interface Entry {
  loadedAt: number;
  at: number;
  value: Promise<unknown>;
}

export interface ScoringCacheOptions {
  /** Milliseconds now (the core clock). */
  now: () => number;
  /** Requesters kept at most (least recently used dropped first; default 10,000). */
  maxRequesters?: number;
}

export function createScoringCache(options: ScoringCacheOptions): ScoringCache {
  const max = options.maxRequesters ?? 10_000;
  const byRequester = new Map<string, Map<string, Entry>>();
  return {
    async get<T>(requester: string, key: string, at: Date, maxStalenessMs: number, load: () => Promise<T>): Promise<T> {
      if (maxStalenessMs <= 0) return load();
      const now = options.now();
      let entries = byRequester.get(requester);
      const hit = entries?.get(key);
      if (hit && now - hit.loadedAt <= maxStalenessMs && Math.abs(at.getTime() - hit.at) <= maxStalenessMs) {
        // Most recently used moves to the end, so eviction takes the least recently used first.
        byRequester.delete(requester);
        byRequester.set(requester, entries!);
        return hit.value as Promise<T>;
      }
      if (!entries) {
        entries = new Map();
        if (byRequester.size >= max) byRequester.delete(byRequester.keys().next().value!);
        byRequester.set(requester, entries);
      }
      const value = load();
      const entry: Entry = { loadedAt: now, at: at.getTime(), value };
      entries.set(key, entry);
      // A failed read is not cached: the next caller reads again.
      value.catch(() => {
        if (byRequester.get(requester)?.get(key) === entry) byRequester.get(requester)!.delete(key);
      });
      return value;
    },
    invalidate(requester) {
      byRequester.delete(requester);
    },
    get size() {
      return byRequester.size;
    },
  };
}
