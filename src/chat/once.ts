import type { StateStore } from '../core/ports/state.js';

/** How long a replica waits for another one that is creating the same thing (then it gives up and says so). */
const WAIT_STEPS = 40;
const WAIT_MS = 50;

const realWait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export interface CreateOnceOptions<T> {
  state: StateStore;
  /** Lease name: one creation per name at a time across every replica. */
  name: string;
  holder: string;
  now: () => Date;
  existing: () => Promise<T | undefined>;
  create: () => Promise<T>;
  wait?: (ms: number) => Promise<void>;
}

/**
 * Returns what `existing` finds, or creates it exactly once across replicas: the replica holding the
 * lease checks again and creates; the others wait for its result. (Within one replica callers are
 * already serialised by the queue, so the lease matters only between replicas.)
 */
export async function createOnce<T>(options: CreateOnceOptions<T>): Promise<T> {
  const wait = options.wait ?? realWait;
  for (let step = 0; step < WAIT_STEPS; step += 1) {
    const found = await options.existing();
    if (found !== undefined) return found;
    if (await options.state.acquireLease(options.name, options.holder, options.now(), 60_000)) {
      try {
        return (await options.existing()) ?? (await options.create());
      } finally {
        await options.state.releaseLease(options.name, options.holder);
      }
    }
    await wait(WAIT_MS);
  }
  throw new Error(`${options.name} is being created by another replica and did not appear in time`);
}

/** A claim on one click: taken by the first delivery, given back when the action was refused (so it can be retried). */
export interface ClickClaim {
  release(): Promise<void>;
}

/**
 * Claims `name` for `ttlMs` with a lease nobody else holds, so a redelivered or double click acts once
 * even across replicas. Returns undefined when someone already holds it.
 */
export async function claimClick(
  state: StateStore,
  name: string,
  holder: string,
  now: Date,
  ttlMs: number,
): Promise<ClickClaim | undefined> {
  if (!(await state.acquireLease(name, holder, now, ttlMs))) return undefined;
  return { release: () => state.releaseLease(name, holder) };
}
