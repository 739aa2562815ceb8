import type { CoreDeps } from '../core/lifecycle/deps.js';
import { performRevoke, type RevokedRecorder, recordRevokedBatch } from '../core/lifecycle/revoke.js';
import { claimExpired } from '../core/scheduler/jobs.js';
import type { AccessRequest } from '../core/types.js';

export interface ExpiryPumpOptions {
  /** Revokes running at once (each holds a pool connection only while it writes). */
  concurrency: number;
  /** Most grants claimed in one transaction. */
  batch: number;
  /** Chat announcements of ended grants delivered at once, and how many may wait before the next revoke waits for them. */
  announceConcurrency: number;
  maxAnnouncements: number;
  onError(what: string, error: unknown): void;
}

export interface ExpiryPump {
  /** Something is due (or may be): claim it now. Kicks during a claim coalesce into one more claim. */
  kick(): void;
  /** Stops claiming, finishes the grants already claimed, and resolves when nothing is running. */
  stop(): Promise<void>;
}

/**
 * Turns "a grant is due" into a revoke without waiting for the next scheduler pass: a single claim
 * loop (one transaction at a time per replica, SKIP LOCKED across replicas) feeds a bounded set of
 * revokes. It claims only what it can start soon, so a claimed grant never sits past its claim lease
 * (where another replica's retry would take it) behind a long queue.
 */
export function createExpiryPump(deps: CoreDeps, options: ExpiryPumpOptions): ExpiryPump {
  const queue: AccessRequest[] = [];
  const running = new Set<Promise<unknown>>();
  const capacity = options.concurrency * 2;
  let claiming: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  // Announcements (card updates, DMs) run beside the revokes, a few at a time: a slow or rate-limited
  // chat platform must not hold a revoke slot, and in a burst of expiries the CPU goes to ending
  // credentials first, telling people second. Bounded, so a chat outage slows revocation down rather
  // than piling up work without end.
  const waiting: Array<() => Promise<void>> = [];
  const announcing = new Set<Promise<unknown>>();
  const startAnnouncements = () => {
    while (announcing.size < options.announceConcurrency && waiting.length > 0) {
      const work = waiting.shift()!;
      const delivery = work().catch((error: unknown) => options.onError('expiry-announce', error));
      announcing.add(delivery);
      void delivery.finally(() => {
        announcing.delete(delivery);
        startAnnouncements();
      });
    }
  };
  const runAnnounce = async (work: () => Promise<void>) => {
    while (waiting.length >= options.maxAnnouncements) await Promise.race(announcing);
    waiting.push(work);
    startAnnouncements();
  };

  // Confirmed revokes wait here for the next batch: one transaction records all that arrived while the
  // previous one committed, so the audit chain's lock is taken once per batch, not once per grant.
  const confirmed: Array<{
    request: AccessRequest;
    now: Date;
    done: (row: AccessRequest | undefined) => void;
    fail: (error: unknown) => void;
  }> = [];
  let recording = false;
  const recordLoop = async () => {
    while (confirmed.length > 0) {
      const batch = confirmed.splice(0, options.batch);
      try {
        const rows = await recordRevokedBatch(deps, batch);
        for (const [i, item] of batch.entries()) item.done(rows[i]);
      } catch (error) {
        for (const item of batch) item.fail(error);
      }
    }
  };
  const record: RevokedRecorder = (request, now) =>
    new Promise((done, fail) => {
      confirmed.push({ request, now, done, fail });
      if (recording) return;
      recording = true;
      void recordLoop().finally(() => {
        recording = false;
      });
    });

  const startRevokes = () => {
    while (running.size < options.concurrency && queue.length > 0) {
      const request = queue.shift()!;
      const run = performRevoke(deps, request, { runAnnounce, record }).catch((error: unknown) => options.onError('expiry-revoke', error));
      running.add(run);
      void run.finally(() => {
        running.delete(run);
        startRevokes();
        // A claim that stopped for lack of room resumes once there is room again.
        if (again && !claiming) kick();
      });
    }
  };

  const claimLoop = async () => {
    do {
      again = false;
      const room = Math.min(options.batch, capacity - queue.length - running.size);
      if (room <= 0) {
        again = true;
        return;
      }
      const claimed = await claimExpired(deps, deps.clock.now(), room);
      queue.push(...claimed);
      startRevokes();
      // A full batch means more may be due right now.
      if (claimed.length === room) again = true;
    } while (again && !stopped);
  };

  const kick = () => {
    if (stopped) return;
    if (claiming) {
      again = true;
      return;
    }
    claiming = claimLoop()
      .catch((error: unknown) => options.onError('expiry-claim', error))
      .finally(() => {
        claiming = undefined;
      });
  };

  return {
    kick,
    async stop() {
      stopped = true;
      await claiming;
      // Claimed grants are finished, not abandoned: they are already `revoking` under this replica's lease.
      while (running.size > 0 || queue.length > 0) {
        startRevokes();
        await Promise.allSettled([...running]);
      }
      while (announcing.size > 0 || waiting.length > 0) {
        startAnnouncements();
        await Promise.allSettled([...announcing]);
      }
    },
  };
}
