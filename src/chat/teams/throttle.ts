/** Teams' documented per-bot, per-conversation send limits: [window ms, messages]. */
export const CONVERSATION_LIMITS: ReadonlyArray<readonly [number, number]> = [
  [1_000, 7],
  [2_000, 8],
  [30_000, 60],
  [3_600_000, 1_800],
];
/** The per-app, per-tenant ceiling (the documented 30 requests per second). */
export const GLOBAL_LIMITS: ReadonlyArray<readonly [number, number]> = [[1_000, 30]];

export interface RateLimiter {
  /** Waits until one more call to `key` fits every window, then records it. */
  acquire(key: string): Promise<void>;
}

/** Sliding-window limiter; time and sleep are injected so tests need no fake timers. */
export function createRateLimiter(options: {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  limits?: ReadonlyArray<readonly [number, number]>;
  globalLimits?: ReadonlyArray<readonly [number, number]>;
}): RateLimiter {
  const limits = options.limits ?? CONVERSATION_LIMITS;
  const globalLimits = options.globalLimits ?? GLOBAL_LIMITS;
  const longest = Math.max(...limits.map(([w]) => w), ...globalLimits.map(([w]) => w));
  const history = new Map<string, number[]>();

  const waitFor = (key: string, windows: ReadonlyArray<readonly [number, number]>, now: number): number => {
    const times = (history.get(key) ?? []).filter((t) => t > now - longest);
    history.set(key, times);
    let wait = 0;
    for (const [window, max] of windows) {
      const inWindow = times.filter((t) => t > now - window);
      if (inWindow.length >= max) wait = Math.max(wait, inWindow[inWindow.length - max]! + window - now);
    }
    return wait;
  };

  return {
    async acquire(key) {
      for (;;) {
        const now = options.now();
        const wait = Math.max(waitFor(key, limits, now), waitFor('*', globalLimits, now));
        if (wait <= 0) {
          history.get(key)?.push(now);
          history.get('*')?.push(now);
          return;
        }
        await options.sleep(wait);
      }
    },
  };
}

/** Runs tasks with the same key one after another (card updates for one request), different keys in parallel. */
export function createSerialQueue(): <T>(key: string, task: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}
