import { afterEach, describe, expect, it, vi } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { startScheduler } from '../../src/scheduler/start-scheduler.js';
import { makePolicy } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';

describe('cron trigger', () => {
  let h: Harness;
  afterEach(async () => {
    vi.useRealTimers();
    await h?.close();
  });

  it('runs the core jobs every second, so a grant expires without anyone asking', async () => {
    h = await createHarness('pglite');
    await handleCommand(h.deps, {
      actor: 'alice@example.com',
      text: '/access demo-logs 10s read rotate the nightly logs OPS-1',
      origin: { platform: 'console' },
    });
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('active');
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'Date'] });
    const scheduler = startScheduler(h.deps);
    h.clock.advance(11_000);
    await vi.advanceTimersByTimeAsync(2_000);
    vi.useRealTimers();
    await vi.waitFor(async () => expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('expired'), { timeout: 5_000 });
    await scheduler.stop();
  });

  it('checks every second whether reconciliation is due, so a pass starts within a second of the policy interval', async () => {
    h = await createHarness('pglite', { policy: makePolicy({ reconcile: { every: '5s' } }) });
    // One reconcile pass per lease taken: the lease is asked for only when a pass is due.
    const passes: number[] = [];
    const acquire = h.deps.store.state.acquireLease.bind(h.deps.store.state);
    h.deps.store.state.acquireLease = (name, holder, now, ttlMs) => {
      if (name === 'reconcile') passes.push(now.getTime() - start);
      return acquire(name, holder, now, ttlMs);
    };
    const start = h.clock.now().getTime();
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'Date'] });
    const scheduler = startScheduler(h.deps);
    // Second by second, the core clock and the trigger's together; each pass has finished long before the next is due.
    for (let second = 1; second <= 11; second++) {
      h.clock.advance(1_000);
      await vi.advanceTimersByTimeAsync(1_000);
    }
    vi.useRealTimers();
    await scheduler.stop();
    // Due at once, then every 5 s to the second (a 15 s check would have run once in these 11 s).
    expect(passes).toEqual([1_000, 6_000, 11_000]);
  });
});
