import { beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, storeKinds } from '../helpers/db.js';
import { at, insert } from './fixtures.js';

describe.each(storeKinds())('createTestStore on %s', (kind) => {
  // The first PGlite store of a run may build the cached dumps (initdb); let that happen under the hook timeout.
  beforeAll(async () => {
    if (kind === 'pglite') await (await createTestStore(kind)).close();
  });

  it('gives every caller an empty, migrated database with sequences from 1', async () => {
    for (let round = 0; round < 2; round += 1) {
      const t = await createTestStore(kind);
      try {
        expect(await t.store.listRequests({})).toEqual([]);
        expect(await t.store.readAudit({})).toEqual([]);
        expect(await t.store.state.list('ns')).toEqual([]);
        const request = await t.store.transaction((tx) => insert(tx));
        expect(request.number).toBe(1);
        await t.store.transaction(async (tx) => {
          await tx.insertApproval({
            requestId: request.id,
            approver: 'bob@example.com',
            decision: 'approve',
            groups: [],
            comment: null,
            createdAt: at(0),
          });
          tx.appendAudit({ at: at(0), actor: 'a', action: 'x', requestId: request.id, details: {} });
        });
        expect((await t.store.readAudit({})).map((e) => e.seq)).toEqual([1]);
        await t.store.state.put('ns', 'k', { v: round });
      } finally {
        await t.close();
      }
    }
  });

  it('keeps two open test stores apart', async () => {
    const [a, b] = await Promise.all([createTestStore(kind), createTestStore(kind)]);
    try {
      await a.store.state.put('ns', 'k', { from: 'a' });
      expect(await b.store.state.get('ns', 'k')).toBeUndefined();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('storeKinds', () => {
  it('refuses to run without real Postgres in CI', () => {
    const saved = { CI: process.env.CI, TEST_DATABASE_URL: process.env.TEST_DATABASE_URL };
    try {
      process.env.CI = 'true';
      delete process.env.TEST_DATABASE_URL;
      expect(() => storeKinds()).toThrow(/TEST_DATABASE_URL/);
      process.env.TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
      expect(storeKinds()).toEqual(['pglite', 'pg']);
      delete process.env.CI;
      delete process.env.TEST_DATABASE_URL;
      expect(storeKinds()).toEqual(['pglite']);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
