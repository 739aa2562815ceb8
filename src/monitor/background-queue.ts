/** Work accepted now and done later, one batch at a time and in arrival order, with a bound on what may wait. */
export interface BackgroundQueue {
  /** Queues `size` units of work; false (nothing queued) when that would pass the bound. */
  push(size: number, work: () => Promise<void>): boolean;
  /** Resolves when everything queued so far is done. */
  drain(): Promise<void>;
  readonly pending: number;
}

export function createBackgroundQueue(maxPending: number, onError: (error: unknown) => void): BackgroundQueue {
  let tail: Promise<void> = Promise.resolve();
  let pending = 0;
  return {
    push(size, work) {
      if (pending + size > maxPending) return false;
      pending += size;
      tail = tail.then(async () => {
        try {
          await work();
        } catch (error) {
          onError(error);
        } finally {
          pending -= size;
        }
      });
      return true;
    },
    drain: () => tail,
    get pending() {
      return pending;
    },
  };
}
