import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, storeKinds, type TestStore } from '../helpers/db.js';

describe.each(storeKinds())('state store on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await createTestStore(kind);
  });
  afterAll(() => t.close());

  it('puts, gets, lists by namespace in key order, and deletes', async () => {
    const { state } = t.store;
    await state.put('provider:demo', 'KC-2', { role: 'kc_bob', expiresAt: '2026-03-02T11:00:00.000Z' });
    await state.put('provider:demo', 'KC-1', { role: 'kc_alice', tags: ['a', 'b'], nested: { n: 1 } });
    await state.put('slack:card', 'KC-1', { channel: 'C0ACCESS', ts: '1700000000.000100' });

    expect(await state.get('provider:demo', 'KC-1')).toEqual({ role: 'kc_alice', tags: ['a', 'b'], nested: { n: 1 } });
    expect(await state.get('provider:demo', 'KC-3')).toBeUndefined();
    expect(await state.list('provider:demo')).toEqual([
      { key: 'KC-1', value: { role: 'kc_alice', tags: ['a', 'b'], nested: { n: 1 } } },
      { key: 'KC-2', value: { role: 'kc_bob', expiresAt: '2026-03-02T11:00:00.000Z' } },
    ]);
    expect(await state.list('teams:conversation')).toEqual([]);

    expect(await state.delete('provider:demo', 'KC-2')).toBe(true);
    expect(await state.delete('provider:demo', 'KC-2')).toBe(false);
    expect((await state.list('provider:demo')).map((entry) => entry.key)).toEqual(['KC-1']);
    expect(await state.get('slack:card', 'KC-1')).toEqual({ channel: 'C0ACCESS', ts: '1700000000.000100' });
  });

  it('replaces the whole value on a second put (upsert)', async () => {
    const { state } = t.store;
    await state.put('teams:conversation', 'alice', { serviceUrl: 'https://smba.example', tenant: 't1' });
    await state.put('teams:conversation', 'alice', { serviceUrl: 'https://smba2.example' });
    expect(await state.list('teams:conversation')).toEqual([{ key: 'alice', value: { serviceUrl: 'https://smba2.example' } }]);
  });
});
