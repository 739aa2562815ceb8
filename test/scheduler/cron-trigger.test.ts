import { afterEach, describe, expect, it, vi } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { startScheduler } from '../../src/scheduler/start-scheduler.js';
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
});
