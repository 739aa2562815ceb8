import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createAuditSequencer } from '../../src/store/audit-sequencer.js';

/** A chainBatch whose runs wait until the test lets each one finish. */
function gatedBatches() {
  const gates: Array<() => void> = [];
  const batches = {
    calls: 0,
    chainBatch: () => {
      batches.calls += 1;
      return new Promise<number>((resolve) => gates.push(() => resolve(0)));
    },
    /** Waits until a run is in its batch, then lets it finish. */
    async finishOne() {
      while (gates.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      gates.shift()?.();
    },
  };
  return batches;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('audit sequencer batching', () => {
  it('leaves what was committed during a run to a later run, and settled() runs it at once', async () => {
    const batches = gatedBatches();
    // delayMs far beyond the test: a run that starts before settled() came from something else.
    const sequencer = createAuditSequencer({ chainBatch: batches.chainBatch, log: silentLogger, delayMs: 600_000 });
    const first = sequencer.settled();
    await first;
    sequencer.kick();
    const settled = sequencer.settled();
    await batches.finishOne();
    await settled;
    expect(batches.calls).toBe(1);
    // A run is under way while ten more transactions commit: their events wait for one later run.
    sequencer.kick();
    const running = sequencer.settled();
    while (batches.calls < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    for (let i = 0; i < 10; i += 1) sequencer.kick();
    await batches.finishOne();
    await running;
    await settle();
    expect(batches.calls).toBe(2);
    // settled() does not wait for the delay.
    const later = sequencer.settled();
    await batches.finishOne();
    await later;
    expect(batches.calls).toBe(3);
    sequencer.kick();
    const stopping = sequencer.stop();
    await batches.finishOne();
    await stopping;
    await settle();
    expect(batches.calls).toBe(4);
  });

  it('runs the kicks that came during a run once, after the delay, not straight after the run', async () => {
    const batches = gatedBatches();
    const sequencer = createAuditSequencer({ chainBatch: batches.chainBatch, log: silentLogger, delayMs: 1 });
    sequencer.kick();
    while (batches.calls < 1) await new Promise((resolve) => setTimeout(resolve, 1));
    for (let i = 0; i < 10; i += 1) sequencer.kick();
    await batches.finishOne();
    await batches.finishOne();
    await settle();
    expect(batches.calls).toBe(2);
    const stopping = sequencer.stop();
    await batches.finishOne();
    await stopping;
  });
});
