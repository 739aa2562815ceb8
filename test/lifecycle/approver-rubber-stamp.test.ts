import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { replayAudit } from '../../src/core/risk/audit-ledger.js';
import { approverRecordsOver, reasonPeersOver } from '../../src/core/rollout/recorded-requests.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { expectReplaysReproduce } from '../helpers/replays.js';

const ALICE = 'alice@example.com';
const ERIN = 'erin@example.com';
const CAROL = 'carol@example.com';
const MINUTE = 60_000;

// demo-db goes to db-owners (carol alone) with one approval; three decisions without a denial make "never denies".
const policy = makePolicy({
  tiers: {
    low: { upTo: 0, approvals: 0 },
    medium: { upTo: 98, approvals: 1, approvers: ['db-owners'], channel: { console: '#access-medium' } },
    high: { upTo: 99, approvals: 1, approvers: ['db-owners'] },
    critical: { approvals: 2, approvers: ['db-owners', 'security'], distinctGroups: true },
  },
  risk: { ...basePolicyInput.risk, thresholds: { neverDeniesDecisions: 3, approverMinApprovals: 3 } },
});

describe.each(storeKinds())('approver-rubber-stamp through submission on %s', (kind) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const run = (actor: string, text: string) => handleCommand(h!.deps, { actor, text, origin: { platform: 'console' } });

  it('names the usual approver who never denies on the card, and every replay reaches the same factor', async () => {
    h = await createHarness(kind, { policy });
    // carol approves alice's three requests after ten minutes each (too slow for approver concentration).
    for (let n = 1; n <= 3; n += 1) {
      expect(await run(ALICE, `/access demo-db 15m read checking order batch ${n}`)).toMatchObject({ request: { status: 'pending' } });
      h.clock.advance(10 * MINUTE);
      expect(await run(CAROL, `approve KC-${n}`)).toMatchObject({ request: { status: 'active' } });
      expect(await run(ALICE, `release KC-${n}`)).toMatchObject({ kind: 'request' });
      h.clock.advance(MINUTE);
    }
    const fourth = await run(ALICE, '/access demo-db 15m read checking order batch 4');
    const factor = fourth.kind === 'request' ? fourth.request.factors.find((f) => f.id === 'approver-rubber-stamp') : undefined;
    expect(factor).toEqual({
      id: 'approver-rubber-stamp',
      points: 5,
      reason: 'their usual approver carol@example.com never denied in 3 decisions over 90d',
      approver: CAROL,
    });
    expect(fourth.kind === 'request' && fourth.request.factors.some((f) => f.id === 'approver-concentration')).toBe(false);
    const card = h.chat.events.filter((e) => e.type === 'card').at(-1);
    expect(JSON.stringify(card)).toContain('never denied in 3 decisions');

    // One denial and she is no longer a rubber stamp.
    expect(await run(CAROL, 'deny KC-4 not now')).toMatchObject({ request: { status: 'denied' } });
    h.clock.advance(MINUTE);
    const fifth = await run(ALICE, '/access demo-db 15m read checking order batch 5');
    expect(fifth.kind === 'request' && fifth.request.factors.some((f) => f.id === 'approver-rubber-stamp')).toBe(false);

    // The store's look-up, the policy replay's and the audit replay's agree, and each replay re-scores every request alike.
    const rows = await h.deps.store.listRequests({});
    const events = await h.deps.store.readAudit({});
    const org = { reasonPeers: reasonPeersOver(rows), approverRecord: approverRecordsOver(rows, events) };
    const query = { approver: CAROL, now: h.clock.now(), windowMs: policy.risk.thresholds.historyWindow };
    expect(await h.deps.store.approverRecord(query)).toEqual(org.approverRecord(query));
    expect(await h.deps.store.approverRecord(query)).toMatchObject({ decisions: 4, denials: 1 });
    expect(await h.deps.store.approverRecord({ ...query, approver: ERIN })).toEqual({
      decisions: 0,
      denials: 0,
      highRiskApprovals: 0,
      highRiskMedianMs: null,
    });
    await expectReplaysReproduce(h, policy, 'approver-rubber-stamp');
  });

  it('counts an approval on a request someone else then denied for its approver, in the store and the audit replay alike', async () => {
    const twoApprovals = makePolicy({
      tiers: {
        low: { upTo: 0, approvals: 0 },
        medium: { upTo: 98, approvals: 2, approvers: ['sre', 'db-owners'], channel: { console: '#access-medium' } },
        high: { upTo: 99, approvals: 2, approvers: ['sre', 'db-owners'] },
        critical: { approvals: 2, approvers: ['db-owners', 'security'], distinctGroups: true },
      },
    });
    h = await createHarness(kind, { policy: twoApprovals });
    expect(await run(ALICE, '/access demo-db 15m read checking order batch 1')).toMatchObject({ request: { status: 'pending' } });
    expect(await run(ERIN, 'approve KC-1')).toMatchObject({ request: { status: 'pending' } });
    expect(await run(CAROL, 'deny KC-1 not this one')).toMatchObject({ request: { status: 'denied' } });
    h.clock.advance(MINUTE);
    const t = twoApprovals.risk.thresholds;
    const records = await h.deps.store.habitRecords({
      requester: ALICE,
      now: h.clock.now(),
      windowMs: t.historyWindow,
      ticketPattern: twoApprovals.risk.ticketPattern,
    });
    expect(records.map((r) => r.approver)).toEqual([ERIN]);
    expect(await run(ALICE, '/access demo-db 15m read checking order batch 2')).toMatchObject({ request: { status: 'pending' } });
    const events = await h.deps.store.readAudit({});
    const ledger = replayAudit(
      events,
      { historyWindowMs: t.historyWindow, denialWindowMs: t.denialWindow, velocityWindowMs: t.velocityWindow },
      { policy: twoApprovals },
    );
    expect(ledger.requests().at(-1)?.context?.habits.usualApprover).toMatchObject({ email: ERIN, approved: 1, of: 1 });
  });
});
