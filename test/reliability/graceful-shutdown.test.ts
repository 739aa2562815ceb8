import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { tick } from '../../src/core/scheduler/jobs.js';
import { startScheduler } from '../../src/scheduler/start-scheduler.js';
import { createHarness, type Harness } from '../helpers/harness.js';

describe('graceful shutdown during a sweep', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('waits for the revoke in flight, records it once, and leaves nothing for a second pass', async () => {
    h = await createHarness('pglite');
    await handleCommand(h.deps, {
      actor: 'alice@example.com',
      text: '/access demo-logs 10s read rotate the nightly logs OPS-1',
      origin: { platform: 'console' },
    });
    h.clock.advance(11_000);
    const hang = h.provider.hangRevokes();
    const scheduler = startScheduler(h.deps);
    await hang.started;
    let stopped = false;
    const stopping = scheduler.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stopped).toBe(false);
    hang.release();
    await stopping;
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('expired');
    // After the shutdown, another replica's pass finds nothing to do.
    expect(await tick(h.deps, h.clock.advance(120_000))).toMatchObject({ expired: 0, revokeRetries: 0 });
    expect(h.provider.calls.filter((c) => c.op === 'revoke')).toHaveLength(1);
    const expired = (await h.deps.store.readAudit({})).filter((e) => e.action === 'grant.expired');
    expect(expired).toHaveLength(1);
  });
});
