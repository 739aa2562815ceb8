interface Entry {
  at: number;
  seq: number;
  run: () => void;
}

/** A min-heap of timed actions; equal times run in the order they were scheduled (so the simulation is deterministic). */
export interface EventQueue {
  schedule(at: number, run: () => void): void;
  /** Runs the next action and returns its time, or undefined when the queue is empty. */
  runNext(): number | undefined;
  readonly size: number;
}

export function createEventQueue(): EventQueue {
  const heap: Entry[] = [];
  let seq = 0;
  const before = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.seq < b.seq);
  return {
    schedule(at, run) {
      heap.push({ at, seq: seq++, run });
      let i = heap.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!before(heap[i]!, heap[parent]!)) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    },
    runNext() {
      const top = heap[0];
      if (!top) return undefined;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let smallest = i;
          if (l < heap.length && before(heap[l]!, heap[smallest]!)) smallest = l;
          if (r < heap.length && before(heap[r]!, heap[smallest]!)) smallest = r;
          if (smallest === i) break;
          [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
          i = smallest;
        }
      }
      top.run();
      return top.at;
    },
    get size() {
      return heap.length;
    },
  };
}
