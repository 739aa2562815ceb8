import type { Logger } from '../core/ports/runtime.js';

/**
 * Chains committed audit events in batches, off the request path. Transactions write their events
 * unchained; `kick()` after each commit asks for a run a moment later. Runs never overlap in this process
 * (a kick during a run asks for one more), and the chain's lock in the database makes the replicas' sequencers take
 * turns, so it does not matter which replica chains whose events.
 */
export interface AuditSequencer {
  /** Asks for a run soon (after a transaction that wrote audit events committed). */
  kick(): void;
  /** Resolves when the events committed before this call in this process are chained (or the run failed). */
  settled(): Promise<void>;
  /** Stops the periodic sweep and chains what is left. */
  stop(): Promise<void>;
}

export interface SequencerOptions {
  /** Chains up to `limit` events and returns how many it chained. */
  chainBatch(limit: number): Promise<number>;
  log: Logger;
  batchSize?: number;
  /** Also runs every `sweepMs` (events left by a replica that stopped before chaining them); 0 = only on kicks. */
  sweepMs?: number;
  /** A kick runs after this long, so one run chains the events of every transaction committed meanwhile. */
  delayMs?: number;
}

export function createAuditSequencer(options: SequencerOptions): AuditSequencer {
  const batchSize = options.batchSize ?? 500;
  const delayMs = options.delayMs ?? 50;
  let running: Promise<void> | undefined;
  let scheduled: NodeJS.Timeout | undefined;
  let again = false;
  const drain = async () => {
    try {
      // A full batch may leave more behind it.
      while ((await options.chainBatch(batchSize)) === batchSize);
    } catch (error) {
      // The events stay unchained in the database; the next kick or sweep chains them.
      options.log.error({ err: error instanceof Error ? error.message : String(error) }, 'chaining audit events failed');
    }
  };
  const run = (): Promise<void> => {
    if (scheduled) {
      clearTimeout(scheduled);
      scheduled = undefined;
    }
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await drain();
      } while (again);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = options.sweepMs ? setInterval(() => void run(), options.sweepMs) : undefined;
  timer?.unref();
  return {
    kick() {
      if (running) again = true;
      else scheduled ??= setTimeout(() => void run(), delayMs);
    },
    async settled() {
      // A kicked run that has not started yet starts now; one in progress may have read its batch before
      // our events committed, so it ends with one more pass.
      if (scheduled) await run();
      if (!running) return;
      again = true;
      await running;
    },
    async stop() {
      if (timer) clearInterval(timer);
      await run();
    },
  };
}
