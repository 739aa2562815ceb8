import { afterEach, describe, expect, it } from 'vitest';
import { submitRequest } from '../../src/core/lifecycle/submit.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const ALICE = 'alice@example.com';
const origin = { platform: 'console' as const };
const input = { requester: ALICE, resource: 'demo-db', level: 'read', durationMs: 15 * 60_000, reason: 'checking replication lag', origin };

describe("submission's reads", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("starts the score's history read before the open-request check has answered", async () => {
    h = await createHarness('pglite');
    const store = h.deps.store;
    const order: string[] = [];
    const listRequests = store.listRequests.bind(store);
    store.listRequests = async (filter) => {
      order.push('open-requests:start');
      const rows = await listRequests(filter);
      order.push('open-requests:done');
      return rows;
    };
    const history = store.history.bind(store);
    store.history = async (query) => {
      order.push('history:start');
      return history(query);
    };
    const result = await submitRequest(h.deps, input);
    expect(result.ok).toBe(true);
    expect(order.indexOf('history:start')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('history:start')).toBeLessThan(order.indexOf('open-requests:done'));
  });

  it('refuses a duplicate cleanly when the history read it started fails meanwhile (no unhandled rejection)', async () => {
    h = await createHarness('pglite');
    expect((await submitRequest(h.deps, input)).ok).toBe(true);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      h.deps.store.history = async () => {
        throw new Error('history store down');
      };
      const again = await submitRequest(h.deps, input);
      expect(again).toMatchObject({ ok: false, code: 'duplicate_pending' });
      // Rejections are reported after the microtask queue drains: give them a turn of the event loop.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('fails the submission with the read error and records nothing when the score cannot read history', async () => {
    h = await createHarness('pglite');
    h.deps.store.habitRecords = async () => {
      throw new Error('habit records unavailable');
    };
    await expect(submitRequest(h.deps, input)).rejects.toThrow('habit records unavailable');
    expect(await h.deps.store.listRequests({ requester: ALICE })).toEqual([]);
  });
});
