import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditKey, verifyChain } from '../../src/core/audit/hash-chain.js';
import type { AuditInput } from '../../src/core/types.js';
import { createTestStore, storeKinds, type TestStore } from '../helpers/db.js';
import { at, HOUR, insert, MINUTE, newRequest, uniqueRequester } from './fixtures.js';

const KEY: AuditKey = { id: 'k1', secret: 'ab'.repeat(32) };

function event(requestId: string, action: string, details: Record<string, unknown> = {}): AuditInput {
  return { at: at(MINUTE), actor: 'keycard', action, requestId, details };
}

/** The one-statement writes: the change and its audit events land together, or neither does. */
describe.each(storeKinds())('audited writes on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await createTestStore(kind, { clock: { now: () => at(5 * MINUTE) }, auditKey: KEY });
  });
  afterAll(() => t.close());

  const eventsOf = async (requestId: string) => (await t.store.readAudit({})).filter((e) => e.requestId === requestId);

  it('inserts a request with the number drawn first and its events, read back like any other row', async () => {
    const requester = uniqueRequester('audited-insert');
    const number = await t.store.nextRequestNumber();
    const id = '5f0c2a3e-1b2c-4d5e-8f90-a1b2c3d4e5f6';
    const created = await t.store.insertRequestAudited({ ...newRequest({ requester, grantRef: { role: 'r', n: [1] } }), id, number }, [
      event(id, 'request.submitted', { ref: `KC-${number}`, when: at(0) }),
      event(id, 'request.auto_approved', { ref: `KC-${number}` }),
    ]);
    expect(created).toEqual(await t.store.getRequest(id));
    expect(created).toMatchObject({
      id,
      number,
      requester,
      updatedAt: at(0),
      grantRef: { role: 'r', n: [1] },
      approvalExpiresAt: at(HOUR),
    });
    expect(created.createdAt).toBeInstanceOf(Date);
    const events = await eventsOf(id);
    expect(events.map((e) => e.action)).toEqual(['request.submitted', 'request.auto_approved']);
    // Stored as jsonb gives it back (a Date as its ISO string), and keyed: the chain verifies.
    expect(events[0]?.details).toEqual({ ref: `KC-${number}`, when: at(0).toISOString() });
    expect(events[0]?.keyId).toBe(KEY.id);
    expect(verifyChain(await t.store.readAudit({}), undefined, undefined, (keyId) => (keyId === KEY.id ? KEY : undefined)).ok).toBe(true);
  });

  it('transitions once with its events; a transition that matches nothing writes no event', async () => {
    const request = await t.store.transaction((tx) => insert(tx, { requester: uniqueRequester('audited-transition') }));
    const approved = await t.store.transitionAudited(request.id, ['pending'], { status: 'approved', decidedAt: at(MINUTE) }, [
      event(request.id, 'request.approved'),
    ]);
    expect(approved).toMatchObject({ id: request.id, status: 'approved', decidedAt: at(MINUTE), updatedAt: at(5 * MINUTE) });
    const again = await t.store.transitionAudited(request.id, ['pending'], { status: 'denied' }, [event(request.id, 'request.denied')]);
    expect(again).toBeUndefined();
    expect(await t.store.transitionAudited('not-a-uuid', ['pending'], { status: 'denied' }, [])).toBeUndefined();
    expect((await eventsOf(request.id)).map((e) => e.action)).toEqual(['request.approved']);
    expect((await t.store.getRequest(request.id))?.status).toBe('approved');
  });

  it('records ended grants each with its own status and time, with the events of those that moved only', async () => {
    const [expiring, released, untouched] = await t.store.transaction(async (tx) => [
      await insert(tx, { requester: uniqueRequester('ended'), status: 'revoking', endReason: 'expired', nextAttemptAt: at(HOUR) }),
      await insert(tx, { requester: uniqueRequester('ended'), status: 'revoke_failed', endReason: 'released', lastError: 'boom' }),
      await insert(tx, { requester: uniqueRequester('ended'), status: 'active' }),
    ]);
    if (!expiring || !released || !untouched) throw new Error('insert failed');
    const ends = [
      { id: released.id, status: 'revoked' as const, endedAt: at(2 * MINUTE) },
      { id: untouched.id, status: 'revoked' as const, endedAt: at(2 * MINUTE) },
      { id: expiring.id, status: 'expired' as const, endedAt: at(3 * MINUTE) },
    ];
    const moved = await t.store.recordEndedAudited(ends, [
      event(released.id, 'grant.revoked'),
      event(untouched.id, 'grant.revoked'),
      event(expiring.id, 'grant.expired'),
    ]);
    expect(moved.map((row) => [row.id, row.status, row.endedAt])).toEqual([
      [released.id, 'revoked', at(2 * MINUTE)],
      [expiring.id, 'expired', at(3 * MINUTE)],
    ]);
    expect(moved.every((row) => row.nextAttemptAt === null && row.lastError === null)).toBe(true);
    expect((await eventsOf(untouched.id)).length).toBe(0);
    expect((await eventsOf(released.id)).map((e) => e.action)).toEqual(['grant.revoked']);
    expect((await eventsOf(expiring.id)).map((e) => e.action)).toEqual(['grant.expired']);
    // Recorded already: a second call moves nothing and writes nothing.
    expect(await t.store.recordEndedAudited(ends, [event(released.id, 'grant.revoked')])).toEqual([]);
    expect((await eventsOf(released.id)).length).toBe(1);
  });

  it('writes nothing at all when the statement fails', async () => {
    const request = await t.store.transaction((tx) => insert(tx, { requester: uniqueRequester('audited-fail') }));
    // A duplicate number violates the unique key: neither the row nor its event may be left behind.
    const id = '6a1d3b4f-2c3d-4e5f-9a01-b2c3d4e5f6a7';
    await expect(
      t.store.insertRequestAudited({ ...newRequest({ requester: uniqueRequester('dup') }), id, number: request.number }, [
        event(id, 'request.submitted'),
      ]),
    ).rejects.toThrow();
    expect(await t.store.getRequest(id)).toBeUndefined();
    expect(await eventsOf(id)).toEqual([]);
  });

  it.runIf(kind === 'pg')('lets exactly one of many concurrent audited transitions win, with one event', async () => {
    const request = await t.store.transaction((tx) => insert(tx, { requester: uniqueRequester('audited-race') }));
    const results = await Promise.all(
      ['alice', 'bob', 'carol', 'dave'].map((who) =>
        t.store.transitionAudited(request.id, ['pending'], { status: 'approved', decisionNote: who }, [
          event(request.id, 'request.approved', { who }),
        ]),
      ),
    );
    const winners = results.filter((row) => row !== undefined);
    expect(winners).toHaveLength(1);
    const events = await eventsOf(request.id);
    expect(events.map((e) => e.details.who)).toEqual([winners[0]?.decisionNote]);
  });

  it('refuses to run inside a transaction', async () => {
    await expect(
      t.store.transaction(async () => {
        await t.store.transitionAudited('5f0c2a3e-1b2c-4d5e-8f90-a1b2c3d4e5f6', ['pending'], { status: 'denied' }, []);
      }),
    ).rejects.toThrow(/inside store.transaction/);
  });
});
