import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditInput } from '../../src/core/types.js';
import { countRoundTrips, type RoundTripCounter } from '../bench/round-trips.js';
import { createTestStore, hasTestPostgres, type TestStore } from '../helpers/db.js';
import { at, insert, MINUTE, uniqueRequester } from './fixtures.js';

function event(requestId: string | null, action: string, details: Record<string, unknown> = {}): AuditInput {
  return { at: at(MINUTE), actor: 'keycard', action, requestId, details };
}

/**
 * store.transaction on node-postgres sends BEGIN with the first statement and the audit insert with COMMIT;
 * what must not change is that a transaction commits all of its work or none of it.
 */
describe.runIf(hasTestPostgres())('transactions on Postgres', () => {
  let t: TestStore;
  let counter: RoundTripCounter;
  beforeAll(async () => {
    t = await createTestStore('pg');
    if (t.handle.driver !== 'pg') throw new Error('expected node-postgres');
    counter = countRoundTrips(t.handle.pool);
  });
  afterAll(() => t.close());

  const eventsOf = async (requestId: string) => (await t.store.readAudit({})).filter((e) => e.requestId === requestId);

  it('commits the body and its audit events together, BEGIN and COMMIT riding on other statements', async () => {
    const request = await t.store.transaction((tx) => insert(tx, { requester: uniqueRequester('tx') }));
    const lockAndAudit = () =>
      t.store.transaction(async (tx) => {
        const row = await tx.lockRequestByNumber(request.number);
        tx.appendAudit(event(request.id, 'test.locked', { quote: "o'brien \\ done" }));
        return row;
      });
    // The first time on a connection, its statements are prepared (one message each).
    counter.reset();
    await lockAndAudit();
    expect(counter.queries).toBe(5);
    expect([...counter.statements.keys()].filter((text) => text.startsWith('prepare '))).toHaveLength(3);
    // The sequencer chains the first transaction's event before counting starts again, so none of its round trips count.
    await t.store.auditHead();
    counter.reset();
    const locked = await lockAndAudit();
    expect(locked?.id).toBe(request.id);
    // begin + lock + approvals in one message, the audit insert + commit in another.
    expect(counter.queries).toBe(2);
    expect((await eventsOf(request.id)).map((e) => [e.action, e.details])).toEqual([
      ['test.locked', { quote: "o'brien \\ done" }],
      ['test.locked', { quote: "o'brien \\ done" }],
    ]);
  });

  it('rolls everything back when the body throws, whether its first statement had parameters or not', async () => {
    const requester = uniqueRequester('rollback');
    for (const firstWithParameters of [true, false]) {
      let id = '';
      await expect(
        t.store.transaction(async (tx) => {
          // A select by id has parameters (extended protocol); drawing a number has none (simple protocol).
          if (firstWithParameters) await tx.getRequest('5f0c2a3e-1b2c-4d5e-8f90-a1b2c3d4e5f6');
          else await tx.nextRequestNumber();
          id = (await insert(tx, { requester })).id;
          tx.appendAudit(event(id, 'test.never'));
          throw new Error('provider failed');
        }),
      ).rejects.toThrow('provider failed');
      expect(await t.store.getRequest(id)).toBeUndefined();
      expect(await eventsOf(id)).toEqual([]);
    }
    // The connections went back to the pool usable, not inside an aborted transaction.
    const rows = await Promise.all(Array.from({ length: 8 }, () => t.store.transaction((tx) => insert(tx, { requester }))));
    expect(rows).toHaveLength(8);
  });

  it('rolls back the body when the audit insert sent with COMMIT fails', async () => {
    const requester = uniqueRequester('tail');
    let id = '';
    await expect(
      t.store.transaction(async (tx) => {
        id = (await insert(tx, { requester })).id;
        // Not a uuid: the insert riding on COMMIT fails, so COMMIT never runs.
        tx.appendAudit(event('not-a-uuid', 'test.bad'));
      }),
    ).rejects.toThrow();
    expect(await t.store.getRequest(id)).toBeUndefined();
    expect(await t.store.transaction((tx) => insert(tx, { requester }))).toMatchObject({ requester });
  });

  it('sends nothing for a body that does nothing, and only the insert for one that only audits', async () => {
    counter.reset();
    expect(await t.store.transaction(async () => 'nothing')).toBe('nothing');
    expect(counter.queries).toBe(0);
    const request = await t.store.transaction((tx) => insert(tx, { requester: uniqueRequester('only-audit') }));
    counter.reset();
    await t.store.transaction(async (tx) => tx.appendAudit(event(request.id, 'test.only')));
    expect(counter.queries).toBe(1);
    expect(counter.transactions).toBe(0);
    expect((await eventsOf(request.id)).map((e) => e.action)).toEqual(['test.only']);
  });

  it('reads, after waiting for the lock, the approvals the decision it waited for committed', async () => {
    const request = await t.store.transaction((tx) => insert(tx, { requester: uniqueRequester('approvals') }));
    let firstHasLock!: () => void;
    const locked = new Promise<void>((resolve) => {
      firstHasLock = resolve;
    });
    const first = t.store.transaction(async (tx) => {
      await tx.lockRequestByNumber(request.number);
      firstHasLock();
      // Hold the lock while the second transaction queues behind it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await tx.insertApproval({
        requestId: request.id,
        approver: 'bob@example.com',
        decision: 'approve',
        groups: ['sre'],
        comment: null,
        createdAt: at(MINUTE),
      });
    });
    await locked;
    const second = t.store.transaction(async (tx) => {
      await tx.lockRequestByNumber(request.number);
      return tx.listApprovals(request.id);
    });
    await first;
    expect((await second).map((a) => a.approver)).toEqual(['bob@example.com']);
  });

  it('answers listApprovals after an insert in the same transaction from the database again', async () => {
    const request = await t.store.transaction((tx) => insert(tx, { requester: uniqueRequester('own-insert') }));
    const approvals = await t.store.transaction(async (tx) => {
      const before = await (async () => {
        await tx.lockRequestByNumber(request.number);
        return tx.listApprovals(request.id);
      })();
      await tx.insertApproval({
        requestId: request.id,
        approver: 'carol@example.com',
        decision: 'approve',
        groups: ['sre'],
        comment: null,
        createdAt: at(MINUTE),
      });
      return { before, after: await tx.listApprovals(request.id) };
    });
    expect(approvals.before).toEqual([]);
    expect(approvals.after.map((a) => a.approver)).toEqual(['carol@example.com']);
  });
});
