import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { policySchema } from '../../src/core/policy/schema.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const ALICE = 'alice@example.com';
const CAROL = 'carol@example.com';
const DAVE = 'dave@example.com';

// carol is the only db-owner, and demo-db requests go to db-owners with one approval.
const policyWith = (approverFallback: string[]) =>
  makePolicy({
    tiers: {
      low: { upTo: 0, approvals: 0 },
      medium: { upTo: 98, approvals: 1, approvers: ['db-owners'], channel: { console: '#access-medium' } },
      high: { upTo: 99, approvals: 1, approvers: ['db-owners'] },
      critical: { approvals: 2, approvers: ['db-owners', 'security'], distinctGroups: true },
    },
    risk: { ...basePolicyInput.risk, approverFallback },
  });

describe('approver concentration routes the request to the fallback groups', () => {
  let h: Harness;
  afterEach(async () => h?.close());
  const run = (actor: string, text: string) => handleCommand(h.deps, { actor, text, origin: { platform: 'console' } });

  /** carol approves three of alice's requests at once; the fourth carries approver concentration on carol. */
  async function concentrated() {
    for (let n = 1; n <= 3; n += 1) {
      expect(await run(ALICE, `/access demo-db 15m read checking order batch ${n}`)).toMatchObject({ request: { status: 'pending' } });
      expect(await run(CAROL, `approve KC-${n}`)).toMatchObject({ request: { status: 'active' } });
      expect(await run(ALICE, `release KC-${n}`)).toMatchObject({ kind: 'request' });
      h.clock.advance(60_000);
    }
    const fourth = await run(ALICE, '/access demo-db 15m read checking order batch 4');
    expect(fourth.kind === 'request' && fourth.request.factors.find((f) => f.id === 'approver-concentration')?.approver).toBe(CAROL);
    return fourth;
  }

  it('lets the fallback group decide when the concentrated approver is the only other member of the tier', async () => {
    h = await createHarness('pglite', { policy: policyWith(['security']) });
    expect(await concentrated()).toMatchObject({ request: { approverGroups: ['db-owners', 'security'] } });
    expect(await run(CAROL, 'approve KC-4')).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('someone else in db-owners or security must approve it'),
    });
    expect(await run(DAVE, 'approve KC-4')).toMatchObject({ request: { status: 'active' } });
    // The card named both groups.
    const card = h.chat.events.filter((e) => e.type === 'card').at(-1);
    expect(card).toMatchObject({ view: { ref: 'KC-4', approverGroups: ['db-owners', 'security'] } });
  });

  it('without a fallback the tier keeps its groups (and nobody else may approve)', async () => {
    h = await createHarness('pglite', { policy: policyWith([]) });
    expect(await concentrated()).toMatchObject({ request: { approverGroups: ['db-owners'] } });
    expect(await run(DAVE, 'approve KC-4')).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('needs approval from db-owners'),
    });
  });

  it('a request without concentration goes to its tier only, fallback or not', async () => {
    h = await createHarness('pglite', { policy: policyWith(['security']) });
    expect(await run(ALICE, '/access demo-db 15m read checking order batch 1')).toMatchObject({
      request: { approverGroups: ['db-owners'] },
    });
  });

  it('refuses a fallback group the policy does not define', () => {
    const parsed = policySchema.safeParse({ ...basePolicyInput, risk: { approverFallback: ['nobody'] } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toContainEqual(
      expect.objectContaining({ path: ['risk', 'approverFallback', 0], message: 'unknown group "nobody" (define it under groups)' }),
    );
  });
});
