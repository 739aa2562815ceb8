import type { CoreDeps } from '../core/lifecycle/deps.js';
import { performRevoke, type RevokedRecorder } from '../core/lifecycle/revoke.js';
import { expiryRound } from '../core/scheduler/jobs.js';
import type { AccessRequest } from '../core/types.js';

export interface ExpiryPumpOptions {
  /** Revokes waiting on their target at once (a revoke gives its slot back when the target has answered). */
  concurrency: number;
  /** Most grants claimed, and most confirmed revokes recorded, in one transaction. */
  batch: number;
  /**
   * Chat announcements of ended grants delivered at once (one while revokes are running), and how many may wait;
   * once as many ended grants are still running (waiting to announce), no more grants are claimed.
   */
  announceConcurrency: number;
  maxAnnouncements: number;
  onError(what: string, error: unknown): void;
}

export interface ExpiryPump {
  /**
   * Something is due (or may be): claim what has been due for at least `overdueMs` now. Kicks during a
   * round coalesce into one more round (with the smallest `overdueMs` asked for).
   */
  kick(overdueMs: number): void;
  /** Stops claiming, finishes the grants already claimed, and resolves when nothing is running. */
  stop(): Promise<void>;
}

interface Confirmed {
  request: AccessRequest;
  now: Date;
  done: (row: AccessRequest | undefined) => void;
  fail: (error: unknown) => void;
}

/**
 * Turns "a grant is due" into a revoke without waiting for the next scheduler pass. One writer per replica
 * runs rounds, one transaction each: claim what is due (SKIP LOCKED across replicas) and record the revokes
 * the targets confirmed since the last round, so the audit chain's lock is taken once per round, not once
 * per claim and once per record. Claimed grants feed a bounded set of revokes; a revoke holds its slot only
 * while its target works, and the writer claims only what can start soon, so a claimed grant never sits
 * past its claim lease (where another replica's retry would take it) behind a long queue.
 */
export function createExpiryPump(deps: CoreDeps, options: ExpiryPumpOptions): ExpiryPump {
  const queue: AccessRequest[] = [];
  const running = new Set<Promise<unknown>>();
  // Revokes whose target has not answered yet, each with the function that gives its slot back.
  const atTarget = new Map<string, () => void>();
  const capacity = options.concurrency * 2;
  const confirmed: Confirmed[] = [];
  let writing: Promise<void> | undefined;
  // How overdue a grant must be for the next claim; undefined while no claim is wanted.
  let wanted: number | undefined;
  let stopped = false;

  // Announcements (card updates, DMs) run beside the revokes, a few at a time: a slow or rate-limited
  // chat platform must not hold a revoke slot, and in a burst of expiries the CPU goes to ending
  // credentials first, telling people second. Bounded, so a chat outage slows revocation down rather
  // than piling up work without end.
  const waiting: Array<() => Promise<void>> = [];
  const announcing = new Set<Promise<unknown>>();
  // While revokes are waiting or at their targets, one announcement at a time: each is several chat API
  // calls, whose CPU (HTTP, JSON) otherwise went to the announcements as much as to the revokes in a burst.
  const announceLimit = () => (queue.length > 0 || atTarget.size > 0 ? 1 : options.announceConcurrency);
  const startAnnouncements = () => {
    while (announcing.size < announceLimit() && waiting.length > 0) {
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

  // Claims stop when the targets are busy, or when as many ended grants as announcements may wait are still
  // running (their announcements waiting on a slow chat platform): memory stays bounded in a chat outage.
  const room = () =>
    stopped ? 0 : Math.min(options.batch, capacity - queue.length - atTarget.size, options.maxAnnouncements - running.size);
  const hasWork = () => confirmed.length > 0 || (wanted !== undefined && room() > 0);

  const round = async () => {
    while (hasWork()) {
      const overdueMs = wanted ?? 0;
      const limit = wanted === undefined ? 0 : room();
      if (limit > 0) wanted = undefined;
      const batch = confirmed.splice(0, options.batch);
      let result: Awaited<ReturnType<typeof expiryRound>>;
      try {
        result = await expiryRound(deps, new Date(deps.clock.now().getTime() - overdueMs), limit, batch);
      } catch (error) {
        for (const item of batch) item.fail(error);
        // The claim is retried on the next kick (a timer, or the scheduler's pass within a second).
        options.onError('expiry-claim', error);
        return;
      }
      for (const [i, item] of batch.entries()) item.done(result.recorded[i]);
      queue.push(...result.claimed);
      startRevokes();
      // A full claim means more may be due right now.
      if (limit > 0 && result.claimed.length === limit) wanted = Math.min(wanted ?? overdueMs, overdueMs);
    }
  };
  const write = () => {
    if (writing) return;
    writing = round().finally(() => {
      writing = undefined;
      // Work that arrived as the last round was ending.
      if (hasWork()) write();
    });
  };

  // Confirmed revokes wait for the next round: one transaction records all that arrived meanwhile.
  const record: RevokedRecorder = (request, now) =>
    new Promise((done, fail) => {
      atTarget.get(request.id)?.();
      confirmed.push({ request, now, done, fail });
      write();
    });

  const startRevokes = () => {
    while (atTarget.size < options.concurrency && queue.length > 0) {
      const request = queue.shift()!;
      const release = () => {
        if (!atTarget.delete(request.id)) return;
        startRevokes();
        startAnnouncements();
        // A round that stopped claiming for lack of room resumes once there is room again.
        if (hasWork()) write();
      };
      atTarget.set(request.id, release);
      const run = performRevoke(deps, request, { runAnnounce, record }).catch((error: unknown) => options.onError('expiry-revoke', error));
      running.add(run);
      void run.finally(() => {
        running.delete(run);
        release();
        if (hasWork()) write();
      });
    }
  };

  return {
    kick(overdueMs) {
      if (stopped) return;
      wanted = Math.min(wanted ?? overdueMs, overdueMs);
      write();
    },
    async stop() {
      stopped = true;
      // Claimed grants are finished, not abandoned: they are already `revoking` under this replica's lease.
      while (writing || running.size > 0 || queue.length > 0) {
        startRevokes();
        await Promise.allSettled([...running, writing]);
      }
      while (announcing.size > 0 || waiting.length > 0) {
        startAnnouncements();
        await Promise.allSettled([...announcing]);
      }
    },
  };
}
