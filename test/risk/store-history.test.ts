import { afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/core/audit/hash-chain.js';
import { replayAudit } from '../../src/core/risk/audit-ledger.js';
import { asInputs } from '../../src/risk-lab/history-files.js';
import { readStoreAudit, readStoreTruth, writeHistoryToStore } from '../../src/risk-lab/store-history.js';
import { createTestStore, storeKinds, type TestStore } from '../helpers/db.js';
import { samplePolicy, smallHistory, windowsOf } from './fixtures.js';

describe.each(storeKinds())('a generated history in the database (%s)', (kind) => {
  let db: TestStore;
  afterEach(async () => db?.close());

  it('lands as real request rows, approvals and a verifiable audit chain, with the labels in their own namespace', async () => {
    db = await createTestStore(kind);
    const history = smallHistory({ days: 7, requests: 150, warmupDays: 3, misuseRate: 0.05 });
    await writeHistoryToStore(db.store, samplePolicy, history.events, history.truth);

    const events = await readStoreAudit(db.store);
    expect(events).toHaveLength(history.events.length);
    expect(verifyChain(events)).toMatchObject({ ok: true, checked: events.length });
    const fromStore = replayAudit(asInputs(events), windowsOf(samplePolicy)).requests();
    const inMemory = replayAudit(history.events, windowsOf(samplePolicy)).requests();
    expect(fromStore).toEqual(inMemory);

    const first = inMemory[0]!;
    expect(await db.store.getRequestByNumber(1)).toMatchObject({ id: first.id, requester: first.requester, score: first.recorded.score });
    const denied = inMemory.find((r) => r.outcome === 'denied');
    if (denied) expect((await db.store.listApprovals(denied.id)).map((a) => a.decision)).toEqual(['deny']);
    expect(await readStoreTruth(db.store)).toEqual(history.truth);

    await expect(writeHistoryToStore(db.store, samplePolicy, history.events, history.truth)).rejects.toThrow(/already holds/);
  });
});
