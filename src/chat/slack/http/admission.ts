/** Gives back a slot taken with `acquire` (a second call does nothing). */
export type Release = () => void;

/** A bound on how many acknowledged deliveries do their work at once; the rest wait their turn in arrival order. */
export interface Admission {
  acquire(): Promise<Release>;
}

/**
 * Up to `limit` holders at a time, first come first served. A holder keeps its slot at most `maxHoldMs`: a
 * listener stuck on a hung provider then slows the queue down for that long instead of stopping it.
 */
export function createAdmission(options: { limit: number; maxHoldMs: number }): Admission {
  let active = 0;
  const waiting: Array<() => void> = [];
  const grant = (): Release => {
    active += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      active -= 1;
      const next = waiting.shift();
      if (next) next();
    };
    const timer = setTimeout(release, options.maxHoldMs);
    timer.unref();
    return release;
  };
  return {
    acquire() {
      if (active < options.limit) return Promise.resolve(grant());
      return new Promise<Release>((resolve) => waiting.push(() => resolve(grant())));
    },
  };
}
