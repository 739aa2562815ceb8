import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DueKind } from '../../src/core/ports/store.js';
import type { AccessRequest, NewAccessRequest } from '../../src/core/types.js';
import { claimQuery } from '../../src/store/claims.js';
import { createTestStore, storeKinds, type TestStore } from '../helpers/db.js';
import { at, HOUR, insert, MINUTE, T0 } from './fixtures.js';

const NOW = T0;
const none = { approvalExpiresAt: null, remindAt: null } satisfies Partial<NewAccessRequest>;

// name -> the row; each is due for exactly the kinds listed in EXPECTED below.
const ROWS: Record<string, Partial<NewAccessRequest>> = {
  activeOverdue: { ...none, status: 'active', expiresAt: at(-MINUTE), nextNoticeAt: at(-5 * MINUTE) },
  activeNoticeNow: { ...none, status: 'active', expiresAt: at(HOUR), nextNoticeAt: NOW },
  activeExpiresNow: { ...none, status: 'active', expiresAt: NOW, nextNoticeAt: null },
  activeNotYet: { ...none, status: 'active', expiresAt: at(1), nextNoticeAt: at(1) },
  expiredAlready: { ...none, status: 'expired', expiresAt: at(-HOUR), nextNoticeAt: at(-HOUR), nextAttemptAt: at(-HOUR) },
  revoking: { ...none, status: 'revoking', nextAttemptAt: at(-MINUTE) },
  revokeFailed: { ...none, status: 'revoke_failed', nextAttemptAt: at(-10 * MINUTE) },
  revokingLater: { ...none, status: 'revoking', nextAttemptAt: at(MINUTE) },
  revoked: { ...none, status: 'revoked', nextAttemptAt: at(-MINUTE) },
  approved: { ...none, status: 'approved', nextAttemptAt: at(-MINUTE) },
  approvedUnscheduled: { ...none, status: 'approved', nextAttemptAt: null },
  pendingLapsed: { status: 'pending', approvalExpiresAt: at(-MINUTE), remindAt: at(-20 * MINUTE) },
  pendingReminded: { status: 'pending', approvalExpiresAt: at(HOUR), remindAt: at(-MINUTE), remindedAt: at(-MINUTE) },
  pendingLater: { status: 'pending', approvalExpiresAt: at(HOUR), remindAt: at(30 * MINUTE) },
  pendingRemindNow: { status: 'pending', approvalExpiresAt: at(10 * MINUTE), remindAt: at(-2 * MINUTE) },
  deniedLapsed: { status: 'denied', approvalExpiresAt: at(-HOUR), remindAt: at(-HOUR) },
};

// In claim order (most overdue first).
const EXPECTED: Record<DueKind, string[]> = {
  expired: ['activeOverdue', 'activeExpiresNow'],
  notice: ['activeOverdue', 'activeNoticeNow'],
  revoke_retry: ['revokeFailed', 'revoking'],
  activation_retry: ['approved'],
  approval_timeout: ['pendingLapsed'],
  approval_reminder: ['pendingLapsed', 'pendingRemindNow'],
};

const INDEX: Record<DueKind, string> = {
  expired: 'access_requests_expires_idx',
  notice: 'access_requests_next_notice_idx',
  revoke_retry: 'access_requests_next_attempt_idx',
  activation_retry: 'access_requests_next_attempt_idx',
  approval_timeout: 'access_requests_approval_expires_idx',
  approval_reminder: 'access_requests_remind_idx',
};

const KINDS = Object.keys(EXPECTED) as DueKind[];

describe.each(storeKinds())('claimDue on %s', (kind) => {
  let t: TestStore;
  const nameOf = new Map<string, string>();
  const names = (rows: AccessRequest[]) => rows.map((row) => nameOf.get(row.id) ?? row.id);

  beforeAll(async () => {
    t = await createTestStore(kind);
    await t.store.transaction(async (tx) => {
      for (const [name, row] of Object.entries(ROWS)) nameOf.set((await insert(tx, { requester: `${name}@example.com`, ...row })).id, name);
    });
  });
  afterAll(() => t.close());

  it.each(KINDS)('%s selects exactly the due rows, most overdue first', async (due) => {
    const claimed = await t.store.transaction((tx) => tx.claimDue(due, NOW, 100));
    expect(names(claimed)).toEqual(EXPECTED[due]);
  });

  it('honours the limit', async () => {
    expect(names(await t.store.transaction((tx) => tx.claimDue('expired', NOW, 1)))).toEqual(['activeOverdue']);
  });

  it.each(KINDS)('%s can be answered from its partial index', async (due) => {
    const query = claimQuery(t.handle.db, due, NOW, 10).toSQL();
    const text = `explain ${query.sql}`;
    // With a handful of rows a sequential scan is cheaper; forbid it to see which index the planner can use.
    const handle = t.handle;
    let plan: unknown[];
    if (handle.driver === 'pg') {
      const client = await handle.pool.connect();
      try {
        await client.query('begin');
        await client.query('set local enable_seqscan = off');
        plan = (await client.query(text, query.params)).rows;
      } finally {
        await client.query('rollback');
        client.release();
      }
    } else {
      plan = await handle.client.transaction(async (tx) => {
        await tx.query('set local enable_seqscan = off');
        return (await tx.query(text, query.params)).rows;
      });
    }
    expect(JSON.stringify(plan)).toContain(INDEX[due]);
  });

  it.runIf(kind === 'pg')('gives concurrent claimers disjoint rows (SKIP LOCKED)', async () => {
    await t.store.transaction(async (tx) => {
      for (let i = 0; i < 6; i += 1) {
        nameOf.set(
          (await insert(tx, { ...none, requester: `skip${i}@example.com`, status: 'active', expiresAt: at(-HOUR + i) })).id,
          `skip${i}`,
        );
      }
    });
    let releaseFirst = () => {};
    const firstHolds = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    let firstClaimed: (rows: AccessRequest[]) => void = () => {};
    const firstHasClaimed = new Promise<AccessRequest[]>((resolve) => {
      firstClaimed = resolve;
    });
    const first = t.store.transaction(async (tx) => {
      const rows = await tx.claimDue('expired', NOW, 3);
      firstClaimed(rows);
      await firstHolds; // keep the row locks while the second replica sweeps
      return rows;
    });
    const firstRows = await firstHasClaimed;
    const secondRows = await t.store.transaction((tx) => tx.claimDue('expired', NOW, 100));
    releaseFirst();
    await first;
    expect(names(firstRows)).toEqual(['skip0', 'skip1', 'skip2']);
    expect(names(secondRows)).toEqual(['skip3', 'skip4', 'skip5', 'activeOverdue', 'activeExpiresNow']);
  });
});
