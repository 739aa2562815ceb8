import { afterEach, describe, expect, it } from 'vitest';
import { submitRequest } from '../../src/core/lifecycle/submit.js';
import { policySchema } from '../../src/core/policy/schema.js';
import { basePolicyInput } from '../fixtures/policy.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { expectReplaysReproduce } from '../helpers/replays.js';

// demo-logs is its own family here, so someone who only ever read logs is new to the demo family.
const policy = policySchema.parse({
  ...basePolicyInput,
  resources: { ...basePolicyInput.resources, 'demo-logs': { ...basePolicyInput.resources['demo-logs'], family: 'logs' } },
});
const TEXT = 'Verifying data consistency after the latest deployment';
const origin = { platform: 'console' as const };
const ask = (requester: string, resource: string, reason: string) => ({
  requester,
  resource,
  level: 'read',
  durationMs: 30 * 60_000,
  reason,
  origin,
});

describe.each(storeKinds())('borrowed reason through submission on %s', (kind) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('names other people’s sentence on the card of someone new to the family, and replays score it the same', async () => {
    h = await createHarness(kind, { policy });
    for (const person of ['ann@example.com', 'ben@example.com']) {
      expect((await submitRequest(h.deps, ask(person, 'demo-logs', TEXT))).ok).toBe(true);
      h.clock.advance(60 * 60_000);
    }
    // The same words, other punctuation and case: still the same sentence.
    const borrowed = await submitRequest(
      h.deps,
      ask('frank@example.com', 'demo-db', 'verifying data-consistency after the LATEST deployment.'),
    );
    const own = await submitRequest(h.deps, ask('gina@example.com', 'demo-db', 'compare row counts before the release'));
    expect(borrowed.ok && own.ok).toBe(true);
    const rows = await h.deps.store.listRequests({});
    const factorOf = (requester: string) => rows.find((r) => r.requester === requester)!.factors.find((f) => f.id === 'borrowed-reason');
    expect(factorOf('frank@example.com')).toEqual({
      id: 'borrowed-reason',
      points: 10,
      reason: 'the same reason was given by 2 other people in the last 90d, never by them, for a resource family new to them',
    });
    expect(factorOf('gina@example.com')).toBeUndefined();
    // ann and ben wrote it first: nobody else had, so neither was borrowing.
    expect(factorOf('ann@example.com')).toBeUndefined();
    expect(factorOf('ben@example.com')).toBeUndefined();
    const card = h.chat.events.find((e) => e.type === 'card' && e.view.requester === 'frank@example.com');
    expect(JSON.stringify(card)).toContain('given by 2 other people');

    // Policy replay and the audit replay (calibrate, evaluate) reach the same factor from the records alone.
    await expectReplaysReproduce(h, policy, 'borrowed-reason');
  });
});
