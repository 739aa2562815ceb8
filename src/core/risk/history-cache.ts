import type { ApproverRecord } from '../types.js';
import { createHistorySnapshot, type HistoryChanges, type HistorySnapshot, type HistorySnapshotData } from './history-snapshot.js';

/**
 * Requesters' history snapshots held in memory, so scoring derives its history counts and habit records
 * without a database round trip (issue #19: ≥ 10,000 scores/s). One snapshot costs one query when a
 * requester is first scored; after that a change feed (one query for every held requester, run every
 * half staleness bound by `startHistoryFeed`) keeps them current with what every replica writes.
 *
 * The bound: a snapshot is served only while it is known to reflect the database as of at most
 * `maxStalenessMs` ago (by the injected clock): its load, or the start of the last feed read applied to
 * it. When the feed stops answering, snapshots age out and are read again. Every write of the
 * requester's own on this replica (a submission, a decision, an anomaly) drops their snapshot at once.
 */
export interface ScoringCache {
  /**
   * The requester's snapshot when one is held that covers `from` (every request since then) and is fresh
   * enough; else `load(from − margin)`, shared by concurrent callers.
   */
  snapshot(
    requester: string,
    from: number,
    maxStalenessMs: number,
    load: (from: number) => Promise<HistorySnapshotData>,
  ): Promise<HistorySnapshot>;
  /** Drops what is held for the requester (their own write just changed it). */
  invalidate(requester: string): void;
  /** Drops the approver's records (they just decided something on this replica). */
  invalidateApprover(approver: string): void;
  /**
   * What an approver decided in the window ending at `at` (the approver-rubber-stamp look-up), reused while at
   * most `maxStalenessMs` old by the cache's clock and asked for a window ending within that of the one read;
   * else `load()`, shared by concurrent callers. A handful of approvers serve everyone, so this costs one query
   * per approver per bound, not one per score.
   */
  approverRecord(
    approver: string,
    window: { at: Date; ms: number },
    maxStalenessMs: number,
    load: () => Promise<ApproverRecord>,
  ): Promise<ApproverRecord>;
  /**
   * Reads what changed since the last refresh (`read(since)`, with an overlap for transactions that
   * commit late) and applies it to every held snapshot. Does nothing while nothing is held.
   */
  refresh(read: (since: Date) => Promise<HistoryChanges>): Promise<void>;
  /** Requesters held. */
  readonly size: number;
}

export interface ScoringCacheOptions {
  /** Milliseconds now (the core clock). */
  now: () => number;
  /** Requesters kept at most (least recently used dropped first; default 10,000). */
  maxRequesters?: number;
  /** Rows (requests, per-resource aggregates, anomalies) kept at most over all snapshots (default 200,000). */
  maxRows?: number;
  /** How much further back than asked a snapshot is loaded, so later scores of the same person are covered (default 7 days). */
  marginMs?: number;
  /** How far before the last refresh the feed reads again, for transactions that commit after it (default 5 s). */
  overlapMs?: number;
}

interface Entry {
  from: number;
  /** When the database was last known to match it (load start, or the start of a feed read applied to it). */
  freshAt: number;
  value: Promise<HistorySnapshot>;
  settled: HistorySnapshot | null;
}

export function createScoringCache(options: ScoringCacheOptions): ScoringCache {
  const maxRequesters = options.maxRequesters ?? 10_000;
  const maxRows = options.maxRows ?? 200_000;
  const margin = options.marginMs ?? 7 * 86_400_000;
  const overlap = options.overlapMs ?? 5_000;
  const entries = new Map<string, Entry>();
  // Start of the last feed read that succeeded, or of the first load since the cache was empty.
  let watermark: number | null = null;
  let rows = 0;

  const drop = (requester: string) => {
    const entry = entries.get(requester);
    if (!entry) return;
    entries.delete(requester);
    rows -= entry.settled?.size ?? 0;
    if (entries.size === 0) watermark = null;
  };
  const evict = () => {
    for (const [requester] of entries) {
      if (entries.size <= maxRequesters && rows <= maxRows) return;
      drop(requester);
    }
  };

  // The feed read in flight, if any: callers whose snapshot just aged out wait for it instead of reading again.
  let reading: { started: number; done: Promise<void> } | null = null;

  const apply = async (started: number, pending: Promise<HistoryChanges>) => {
    const changes = await pending;
    if (!changes.complete) {
      // Too much changed to follow: drop every snapshot; each requester is read again when next scored.
      for (const requester of [...entries.keys()]) drop(requester);
      return;
    }
    for (const request of changes.requests) {
      const entry = entries.get(request.requester);
      if (!entry?.settled) continue;
      const before = entry.settled.size;
      if (!entry.settled.applyRequest(request)) drop(request.requester);
      else rows += entry.settled.size - before;
    }
    for (const anomaly of changes.anomalies) {
      const entry = entries.get(anomaly.requester);
      if (!entry?.settled) continue;
      const before = entry.settled.size;
      entry.settled.applyAnomaly(anomaly);
      rows += entry.settled.size - before;
    }
    // Snapshots loaded before this read started now reflect the database as of its start.
    for (const entry of entries.values()) if (entry.settled && entry.freshAt < started) entry.freshAt = started;
    if (entries.size > 0) watermark = started;
    evict();
  };

  // Approver records by approver and window, newest last (a few dozen approvers; bounded anyway).
  const approverRecords = new Map<string, { at: number; end: number; value: Promise<ApproverRecord> }>();

  const cache: ScoringCache = {
    approverRecord(approver, window, maxStalenessMs, load) {
      const key = `${approver.toLowerCase()}\u0000${window.ms}`;
      const now = options.now();
      const end = window.at.getTime();
      const held = approverRecords.get(key);
      if (held && now - held.at <= maxStalenessMs && Math.abs(end - held.end) <= maxStalenessMs) return held.value;
      const value = load();
      approverRecords.delete(key);
      approverRecords.set(key, { at: now, end, value });
      // A failed read is not kept: the next score reads again.
      value.catch(() => {
        if (approverRecords.get(key)?.value === value) approverRecords.delete(key);
      });
      while (approverRecords.size > 1_000) approverRecords.delete(approverRecords.keys().next().value as string);
      return value;
    },
    snapshot(requester, from, maxStalenessMs, load) {
      const now = options.now();
      const hit = entries.get(requester);
      if (hit && hit.from <= from) {
        if (now - hit.freshAt <= maxStalenessMs) {
          // Most recently used moves to the end, so eviction takes the least recently used first.
          entries.delete(requester);
          entries.set(requester, hit);
          return hit.value;
        }
        // The feed is behind but a read that started within the bound is on its way: wait for it rather than
        // read this one requester again.
        const read = reading;
        if (hit.settled && read && now - read.started <= maxStalenessMs) {
          return read.done.then(() =>
            entries.get(requester) === hit && hit.freshAt >= read.started
              ? hit.value
              : this.snapshot(requester, from, maxStalenessMs, load),
          );
        }
      }
      drop(requester);
      watermark ??= now;
      const start = from - margin;
      const entry: Entry = { from: start, freshAt: now, settled: null, value: load(start).then(createHistorySnapshot) };
      entries.set(requester, entry);
      entry.value.then(
        (snapshot) => {
          if (entries.get(requester) !== entry) return;
          entry.settled = snapshot;
          rows += snapshot.size;
          evict();
        },
        // A failed read is not kept: the next caller reads again.
        () => {
          if (entries.get(requester) === entry) drop(requester);
        },
      );
      evict();
      return entry.value;
    },
    invalidate: drop,
    invalidateApprover(approver) {
      const prefix = `${approver.toLowerCase()}\u0000`;
      for (const key of [...approverRecords.keys()]) if (key.startsWith(prefix)) approverRecords.delete(key);
    },
    async refresh(read) {
      if (watermark === null) return;
      const started = options.now();
      const done = apply(started, read(new Date(watermark - overlap)));
      const current = { started, done: done.catch(() => {}) };
      reading = current;
      try {
        await done;
      } finally {
        if (reading === current) reading = null;
      }
    },
    get size() {
      return entries.size;
    },
  };
  return cache;
}
