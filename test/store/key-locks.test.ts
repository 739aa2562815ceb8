import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createKeyLocks } from '../../src/store/key-locks.js';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';

const gate = () => {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
};

describe('named locks in one process', () => {
  it('runs the holders of one key one after another, and other keys alongside', async () => {
    const locks = createKeyLocks({ log: silentLogger });
    const order: string[] = [];
    const first = gate();
    const a1 = locks.run('a', async () => {
      order.push('a1 start');
      await first.opened;
      order.push('a1 end');
    });
    const a2 = locks.run('a', async () => {
      order.push('a2');
    });
    await locks.run('b', async () => {
      order.push('b');
    });
    first.open();
    await Promise.all([a1, a2]);
    expect(order).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
  });

  it('a holder that fails does not keep the next one out', async () => {
    const locks = createKeyLocks({ log: silentLogger });
    await expect(locks.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await locks.run('a', async () => 'next')).toBe('next');
  });
});

describe.runIf(hasTestPostgres())('named locks across replicas (Postgres advisory locks)', () => {
  const pools: pg.Pool[] = [];
  let dispose: (() => Promise<void>) | undefined;
  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await dispose?.();
  });

  it('one replica holds a key at a time; a replica kept out past the bound gets a clear busy error', async () => {
    const database = await freshPostgresDatabase();
    dispose = database.dispose;
    const replica = () => {
      const pool = new pg.Pool({ connectionString: database.url, max: 1, idleTimeoutMillis: 0 });
      pools.push(pool);
      return createKeyLocks({ lockPool: pool, log: silentLogger, timeoutMs: 300 });
    };
    const [one, two] = [replica(), replica()];
    const held = gate();
    const entered = gate();
    const holding = one.run('submit:mallory@example.com', async () => {
      entered.open();
      await held.opened;
    });
    await entered.opened;
    await expect(two.run('submit:mallory@example.com', async () => 'in')).rejects.toMatchObject({
      code: 'busy',
      message: expect.stringContaining('another Keycard replica'),
    });
    // Another key is free meanwhile.
    expect(await two.run('submit:erin@example.com', async () => 'other')).toBe('other');
    held.open();
    await holding;
    expect(await two.run('submit:mallory@example.com', async () => 'in')).toBe('in');
  });
});
