import { describe, expect, it } from 'vitest';
import { createAdmission } from '../../../src/chat/slack/http/admission.js';

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('delivery admission', () => {
  it('lets `limit` holders in at once and the next waiting one in, in arrival order, as each releases', async () => {
    const admission = createAdmission({ limit: 2, maxHoldMs: 60_000 });
    const order: string[] = [];
    const take = async (name: string) => {
      const release = await admission.acquire();
      order.push(name);
      return release;
    };
    const a = take('a');
    const b = take('b');
    const c = take('c');
    const d = take('d');
    await settled();
    expect(order).toEqual(['a', 'b']);
    const releaseA = await a;
    releaseA();
    releaseA(); // a second release frees nothing more
    await settled();
    expect(order).toEqual(['a', 'b', 'c']);
    (await b)();
    await settled();
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    (await c)();
    (await d)();
  });

  it('takes a slot back from a holder that keeps it past maxHoldMs', async () => {
    const admission = createAdmission({ limit: 1, maxHoldMs: 20 });
    await admission.acquire(); // never released: a listener stuck on a hung provider
    const started = Date.now();
    const release = await admission.acquire();
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    release();
  });
});
