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
  // `again`: someone waits (settled, stop) for what committed before now, so the run goes round at once.
  // `kicked`: a transaction committed during the run, whose events its batch may have missed; those wait
  // for a run `delayMs` later, like any kick, so under steady load runs come at most one per run + delay and
  // each chains more (one lock, head read and commit per batch, not per few transactions).
  let again = false;
  let kicked = false;
  let stopped = false;
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
        kicked = false;
        await drain();
      } while (again);
    })().finally(() => {
      running = undefined;
      if (kicked && !stopped) schedule();
    });
    return running;
  };
  const schedule = () => {
    scheduled ??= setTimeout(() => void run(), delayMs);
  };
  const timer = options.sweepMs ? setInterval(() => void run(), options.sweepMs) : undefined;
  timer?.unref();
  return {
    kick() {
      if (running) kicked = true;
      else schedule();
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
      stopped = true;
      if (timer) clearInterval(timer);
      await run();
    },
  };
}
