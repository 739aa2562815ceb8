import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../src/core/types.js';
import { createTestStore, storeKinds, type TestStore } from '../helpers/db.js';
import { at, HOUR, insert, MINUTE, newRequest, T0, uniqueRequester } from './fixtures.js';

describe.each(storeKinds())('requests on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await createTestStore(kind, { clock: { now: () => at(5 * MINUTE) } });
  });
  afterAll(() => t.close());

  it('inserts and reads back every field, with numbers from the sequence', async () => {
    const requester = uniqueRequester('insert');
    const [first, second] = await t.store.transaction(async (tx) => [
      await insert(tx, { requester, grantRef: { role: 'kc_1', nested: { a: [1, 2] } }, noticesSent: [600_000] }),
      await insert(tx, { requester, durationMs: 40 * 24 * HOUR }),
    ]);
    if (!first || !second) throw new Error('insert failed');
    expect(second.number).toBe(first.number + 1);
    expect(first.updatedAt).toEqual(T0);

    const read = await t.store.getRequest(first.id);
    expect(read).toEqual({
      ...newRequest({ requester }),
      id: first.id,
      number: first.number,
      updatedAt: T0,
      grantRef: { role: 'kc_1', nested: { a: [1, 2] } },
      noticesSent: [600_000],
    });
    expect(read?.createdAt).toBeInstanceOf(Date);
    expect(read?.approvalExpiresAt).toEqual(at(HOUR));
    expect(await t.store.getRequestByNumber(second.number)).toMatchObject({ id: second.id, durationMs: 40 * 24 * HOUR });
  });

  it('keeps a caller-chosen id and treats malformed ids as not found', async () => {
    const id = '0b9c5d0e-8f1a-4c3b-9d2e-7a6b5c4d3e2f';
    await t.store.transaction((tx) => insert(tx, { id, requester: uniqueRequester('id') }));
    expect((await t.store.getRequest(id))?.id).toBe(id);
    expect(await t.store.getRequest('KC-12')).toBeUndefined();
    expect(await t.store.getRequestByNumber(987_654)).toBeUndefined();
    expect(await t.store.getRequestByNumber(99_999_999_999)).toBeUndefined();
    // A malformed id inside a transaction must not poison it.
    await t.store.transaction(async (tx) => {
      expect(await tx.lockRequest('not-a-uuid')).toBeUndefined();
      expect(await tx.transition('not-a-uuid', ['pending'], { status: 'approved' })).toBeUndefined();
      expect(await tx.getRequest(id)).toBeDefined();
    });
  });

  it('transitions once; a second transition from the old status matches nothing', async () => {
    const request = await t.store.transaction((tx) => insert(tx, { requester: uniqueRequester('transition') }));
    const approved = await t.store.transaction((tx) =>
      tx.transition(request.id, ['pending'], { status: 'approved', decidedAt: at(MINUTE), decisionNote: 'ok' }),
    );
    expect(approved).toMatchObject({ status: 'approved', decidedAt: at(MINUTE), decisionNote: 'ok', updatedAt: at(5 * MINUTE) });
    const again = await t.store.transaction((tx) => tx.transition(request.id, ['pending'], { status: 'denied' }));
    expect(again).toBeUndefined();
    expect((await t.store.getRequest(request.id))?.status).toBe('approved');
    const active = await t.store.transaction((tx) =>
      tx.transition(request.id, ['approved', 'revoking'], { status: 'active', activatedAt: at(2 * MINUTE), expiresAt: at(HOUR) }),
    );
    expect(active?.status).toBe('active');
    expect(await t.store.transaction((tx) => tx.transition(request.id, [], { status: 'expired' }))).toBeUndefined();
  });

  it('updates bookkeeping fields but refuses a status change or an unknown id', async () => {
    const request = await t.store.transaction((tx) => insert(tx, { requester: uniqueRequester('update') }));
    const updated = await t.store.transaction((tx) => tx.update(request.id, { remindAt: null, remindedAt: at(MINUTE), attempts: 2 }));
    expect(updated).toMatchObject({ remindAt: null, remindedAt: at(MINUTE), attempts: 2, status: 'pending' });
    // The port's type forbids this; the runtime guard still stops an untyped caller.
    const sneaky: Record<string, unknown> = { status: 'approved' };
    await expect(t.store.transaction((tx) => tx.update(request.id, sneaky as never))).rejects.toMatchObject({
      code: 'store_update_status',
    });
    await expect(t.store.transaction((tx) => tx.update('00000000-0000-4000-8000-000000000000', { attempts: 1 }))).rejects.toMatchObject({
      code: 'request_not_found',
    });
  });

  it('lists with filters, newest first, and finds the active grant and the pending request', async () => {
    const requester = uniqueRequester('list');
    const [old, fresh, other, grant] = await t.store.transaction(async (tx) => [
      await insert(tx, { requester, createdAt: at(-HOUR) }),
      await insert(tx, { requester }),
      await insert(tx, { requester, resource: 'k8s-prod', status: 'denied' }),
      await insert(tx, { requester, status: 'active', activatedAt: T0, expiresAt: at(HOUR) }),
    ]);
    const ids = (rows: AccessRequest[]) => rows.map((row) => row.id);
    expect(ids(await t.store.listRequests({ requester }))).toEqual([grant?.id, other?.id, fresh?.id, old?.id]);
    expect(ids(await t.store.listRequests({ requester, statuses: ['pending'] }))).toEqual([fresh?.id, old?.id]);
    expect(ids(await t.store.listRequests({ requester, resource: 'k8s-prod' }))).toEqual([other?.id]);
    expect(ids(await t.store.listRequests({ requester, limit: 1 }))).toEqual([grant?.id]);
    const extension = await t.store.transaction((tx) => insert(tx, { requester, kind: 'extension', parentId: grant?.id ?? null }));
    expect(ids(await t.store.listRequests({ parentId: grant?.id }))).toEqual([extension.id]);
    // Each shape of filter has its own statement text; the same shape with other values reuses it.
    expect(ids(await t.store.listRequests({ requester, statuses: ['pending', 'active'], limit: 2 }))).toEqual([extension.id, grant?.id]);
    expect(ids(await t.store.listRequests({ requester, statuses: ['denied', 'active'], limit: 5 }))).toEqual([grant?.id, other?.id]);
    expect(await t.store.listRequests({ requester, statuses: [] })).toEqual([]);
    expect(await t.store.listRequests({ parentId: 'not-a-uuid' })).toEqual([]);
    expect(ids(await t.store.listRequests({ requester, parentId: grant?.id, statuses: ['pending'] }))).toEqual([extension.id]);

    await t.store.transaction(async (tx) => {
      expect((await tx.findActiveGrant(requester, 'prod-db', 'read'))?.id).toBe(grant?.id);
      expect(await tx.findActiveGrant(requester, 'prod-db', 'write')).toBeUndefined();
      expect((await tx.findPending(requester, 'prod-db', 'read'))?.id).toBe(fresh?.id);
      expect(await tx.findPending(requester, 'k8s-prod', 'read')).toBeUndefined();
    });
  });

  it('records one decision per approver; a repeat is a duplicate and the transaction goes on', async () => {
    const request = await t.store.transaction((tx) => insert(tx, { requester: uniqueRequester('approval') }));
    const vote = {
      requestId: request.id,
      approver: 'bob@example.com',
      decision: 'approve' as const,
      groups: ['sre'],
      comment: null,
      createdAt: at(MINUTE),
    };
    const outcome = await t.store.transaction(async (tx) => {
      const first = await tx.insertApproval(vote);
      const repeat = await tx.insertApproval({ ...vote, decision: 'deny', createdAt: at(2 * MINUTE) });
      const other = await tx.insertApproval({
        ...vote,
        approver: 'carol@example.com',
        groups: ['db-owners'],
        comment: 'lgtm',
        createdAt: at(3 * MINUTE),
      });
      return { first, repeat, other, listed: await tx.listApprovals(request.id) };
    });
    expect(outcome.first).toMatchObject({ approver: 'bob@example.com', decision: 'approve', groups: ['sre'], createdAt: at(MINUTE) });
    expect(outcome.repeat).toBe('duplicate');
    expect(outcome.other).toMatchObject({ approver: 'carol@example.com', comment: 'lgtm' });
    expect((await t.store.listApprovals(request.id)).map((a) => [a.approver, a.decision])).toEqual([
      ['bob@example.com', 'approve'],
      ['carol@example.com', 'approve'],
    ]);
  });

  it('rolls back everything when the callback throws', async () => {
    const requester = uniqueRequester('rollback');
    await expect(
      t.store.transaction(async (tx) => {
        await insert(tx, { requester });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await t.store.listRequests({ requester })).toEqual([]);
  });

  it('refuses the outer store inside a transaction instead of hanging', async () => {
    await expect(t.store.transaction(() => t.store.listRequests({}))).rejects.toMatchObject({ code: 'store_used_inside_transaction' });
    await expect(t.store.transaction(() => t.store.state.get('ns', 'k'))).rejects.toMatchObject({ code: 'store_used_inside_transaction' });
    await expect(t.store.transaction(() => t.store.transaction(async () => 1))).rejects.toMatchObject({
      code: 'store_used_inside_transaction',
    });
    // The guard ends with the transaction.
    expect(await t.store.listRequests({ requester: uniqueRequester('none') })).toEqual([]);
  });

  it('locks a request for the rest of the transaction', async () => {
    const request = await t.store.transaction((tx) => insert(tx, { requester: uniqueRequester('lock') }));
    expect(await t.store.transaction(async (tx) => (await tx.lockRequest(request.id))?.id)).toBe(request.id);
  });

  it.runIf(kind === 'pg')('makes a concurrent transition wait for the lock holder, then see its outcome', async () => {
    const request = await t.store.transaction((tx) => insert(tx, { requester: uniqueRequester('lock-wait') }));
    let locked = () => {};
    const hasLock = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = t.store.transaction(async (tx) => {
      await tx.lockRequest(request.id);
      locked();
      await new Promise((resolve) => setTimeout(resolve, 50));
      return tx.transition(request.id, ['pending'], { status: 'approved' });
    });
    await hasLock;
    const late = await t.store.transaction((tx) => tx.transition(request.id, ['pending'], { status: 'cancelled' }));
    expect((await holder)?.status).toBe('approved');
    expect(late).toBeUndefined();
  });

  it('reads a request by number with its approvals in decision order, as the separate reads give them', async () => {
    const request = await t.store.transaction((tx) => insert(tx, { requester: uniqueRequester('with-approvals') }));
    expect(await t.store.getRequestWithApprovals(request.number)).toEqual({ request, approvals: [] });
    await t.store.transaction(async (tx) => {
      await tx.insertApproval({
        requestId: request.id,
        approver: 'carol@example.com',
        decision: 'approve',
        groups: ['db-owners'],
        comment: 'ok',
        createdAt: at(2 * MINUTE),
      });
      await tx.insertApproval({
        requestId: request.id,
        approver: 'bob@example.com',
        decision: 'approve',
        groups: ['sre'],
        comment: null,
        createdAt: at(MINUTE),
      });
    });
    const read = await t.store.getRequestWithApprovals(request.number);
    expect(read?.request).toEqual(await t.store.getRequestByNumber(request.number));
    expect(read?.approvals).toEqual(await t.store.listApprovals(request.id));
    expect(read?.approvals.map((a) => [a.approver, a.createdAt, a.groups])).toEqual([
      ['bob@example.com', at(MINUTE), ['sre']],
      ['carol@example.com', at(2 * MINUTE), ['db-owners']],
    ]);
    expect(await t.store.getRequestWithApprovals(987_654)).toBeUndefined();
    expect(await t.store.getRequestWithApprovals(99_999_999_999)).toBeUndefined();
  });

  it.runIf(kind === 'pg')('lets exactly one of many concurrent transitions win', async () => {
    const request = await t.store.transaction((tx) => insert(tx, { requester: uniqueRequester('race') }));
    const results = await Promise.all(
      ['alice', 'bob', 'carol', 'dave'].map((who) =>
        t.store.transaction(async (tx) => {
          const moved = await tx.transition(request.id, ['pending'], { status: 'approved', decisionNote: who });
          // Hold the row lock a moment so the others really queue behind it.
          await new Promise((resolve) => setTimeout(resolve, 20));
          return moved;
        }),
      ),
    );
    const winners = results.filter((row) => row !== undefined);
    expect(winners).toHaveLength(1);
    expect((await t.store.getRequest(request.id))?.decisionNote).toBe(winners[0]?.decisionNote);
  });
});
