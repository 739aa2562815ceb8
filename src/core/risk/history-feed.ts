import type { Logger } from '../ports/runtime.js';
import type { ScoringCache } from './history-cache.js';
import type { HistoryChanges } from './history-snapshot.js';

export interface HistoryFeedOptions {
  cache: ScoringCache;
  /** The store's change feed (`Store.historyChanges`). */
  read: (since: Date) => Promise<HistoryChanges>;
  /** Milliseconds from the start of one read to the next, asked before each (a quarter of the policy's historyCacheStaleness). */
  everyMs: () => number;
  log: Logger;
}

export interface HistoryFeed {
  /** Stops reading; resolves when a read in flight has finished. */
  stop(): Promise<void>;
}

/**
 * Keeps the scoring cache's snapshots current: every `everyMs` one read of what changed since the last
 * one, applied to every requester held. A failed read is logged once per run of failures; the snapshots
 * then age past their bound and are read again, so a broken feed costs speed, never correctness.
 */
export function startHistoryFeed(options: HistoryFeedOptions): HistoryFeed {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let failing = false;
  let startedAt = 0;
  const tick = () => {
    startedAt = performance.now();
    inFlight = options.cache
      .refresh(options.read)
      .then(
        () => {
          if (failing) options.log.info({}, 'scoring history feed reads again');
          failing = false;
        },
        (error: unknown) => {
          if (!failing)
            options.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'scoring history feed read failed');
          failing = true;
        },
      )
      .finally(schedule);
  };
  // Every `everyMs` from the start of the previous read, so a slow read does not stretch the interval.
  function schedule() {
    if (stopped) return;
    const wait = Math.max(0, Math.max(50, options.everyMs()) - (performance.now() - startedAt));
    timer = setTimeout(tick, wait);
    // A feed alone never keeps the process alive.
    timer.unref();
  }
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}
