import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVER_RECORD_DECISIONS, createApproverRecords } from '../../src/core/risk/approver-records.js';
import type { ApproverRecordQuery } from '../../src/core/types.js';
import { createTestStore, storeKinds, type TestStore } from '../helpers/db.js';
import { at, DAY, HOUR, insert, MINUTE } from './fixtures.js';

const NOW = at(0);
const WINDOW = 30 * DAY;
const BOB = 'bob@example.com';
const BUSY = 'busy@example.com';

// Bob's decisions: [tier, submitted (ms before now), decided (ms after submission), decision]. The comment says what counts.
const DECISIONS: Array<[string, number, number, 'approve' | 'deny']> = [
  ['high', 2 * DAY, 40_000, 'approve'], // decision; high-risk approval after 40 s
  ['critical', 3 * DAY, 90_000, 'approve'], // decision; high-risk approval after 90 s
  ['critical', 4 * DAY, 5 * MINUTE, 'approve'], // decision; high-risk approval after 5 min
  ['medium', 5 * DAY, 10_000, 'approve'], // decision; not high-risk
  ['high', 6 * DAY, 20_000, 'deny'], // decision; a denial, not an approval
  ['high', 40 * DAY, 1_000, 'approve'], // outside the window
];

describe.each(storeKinds())('approver records on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await createTestStore(kind);
    await t.store.transaction(async (tx) => {
      // Someone who decides all day: 205 approvals, one denial among the oldest five.
      for (let i = 0; i < 205; i += 1) {
        const request = await insert(tx, { tier: 'high', createdAt: at(-(i + 1) * HOUR), requester: 'alice@example.com' });
        await tx.insertApproval({
          requestId: request.id,
          approver: BUSY,
          decision: i === 202 ? 'deny' : 'approve',
          groups: ['sre'],
          comment: null,
          createdAt: at(-(i + 1) * HOUR + 30_000),
        });
      }
      for (const [tier, ago, after, decision] of DECISIONS) {
        const request = await insert(tx, { tier: tier as 'high', createdAt: at(-ago), requester: 'alice@example.com' });
        await tx.insertApproval({
          requestId: request.id,
          approver: BOB,
          decision,
          groups: ['sre'],
          comment: null,
          createdAt: at(-ago + after),
        });
      }
    });
  });
  afterAll(() => t.close());

  const query = (approver: string): ApproverRecordQuery => ({ approver, now: NOW, windowMs: WINDOW });

  it('counts every decision and denial in the window, and the median high-risk approval time', async () => {
    expect(await t.store.approverRecord(query(BOB))).toEqual({ decisions: 5, denials: 1, highRiskApprovals: 3, highRiskMedianMs: 90_000 });
    expect(await t.store.approverRecord(query('BOB@example.com'))).toMatchObject({ decisions: 5 });
    expect(await t.store.approverRecord(query('nobody@example.com'))).toEqual({
      decisions: 0,
      denials: 0,
      highRiskApprovals: 0,
      highRiskMedianMs: null,
    });
  });

  it('answers what the audit replay computes from the same decisions (an even count takes the mean of the middle two)', async () => {
    const records = createApproverRecords();
    for (const [tier, ago, after, decision] of DECISIONS)
      records.add({ approver: BOB, at: at(-ago + after).getTime(), denied: decision === 'deny', tier, submittedAt: at(-ago).getTime() });
    expect(await t.store.approverRecord(query(BOB))).toEqual(records.record(BOB, NOW.getTime() - WINDOW, NOW.getTime()));
    // Ending before the 40-second approval: two high-risk approvals, median (90 s + 5 min) / 2.
    const shorter = { approver: BOB, now: at(-2 * DAY), windowMs: WINDOW };
    expect(await t.store.approverRecord(shorter)).toEqual(records.record(BOB, shorter.now.getTime() - WINDOW, shorter.now.getTime()));
    expect((await t.store.approverRecord(shorter)).highRiskMedianMs).toBe(195_000);
  });

  it('reads only the latest APPROVER_RECORD_DECISIONS decisions in the window, in the store and in the replay alike', async () => {
    const record = await t.store.approverRecord(query(BUSY));
    expect(record).toEqual({ decisions: APPROVER_RECORD_DECISIONS, denials: 0, highRiskApprovals: 200, highRiskMedianMs: 30_000 });
    const records = createApproverRecords();
    for (let i = 204; i >= 0; i -= 1)
      records.add({
        approver: BUSY,
        at: at(-(i + 1) * HOUR + 30_000).getTime(),
        denied: i === 202,
        tier: 'high',
        submittedAt: at(-(i + 1) * HOUR).getTime(),
      });
    expect(records.record(BUSY, NOW.getTime() - WINDOW, NOW.getTime())).toEqual(record);
    // Three hours earlier the denial is among the latest 200.
    const earlier = { ...query(BUSY), now: at(-3 * HOUR) };
    expect(await t.store.approverRecord(earlier)).toMatchObject({ decisions: 200, denials: 1 });
    expect(records.record(BUSY, earlier.now.getTime() - WINDOW, earlier.now.getTime())).toMatchObject({ decisions: 200, denials: 1 });
  });
});
