import { afterEach, describe, expect, it } from 'vitest';
import { firstSighting } from '../../src/core/lifecycle/reconcile-effects.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';

/** "Alerted once per finding" must hold when two replicas' passes meet the same new finding at the same moment. */
describe.each(storeKinds())('first sighting of a finding on %s', (kind) => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('is true for exactly one of several concurrent passes, and false afterwards', async () => {
    h = await createHarness(kind);
    const key = 'orders-pg|KC-99|kc_mallory_kc_99|unlabelled';
    const now = h.clock.now();
    const results = await Promise.all(Array.from({ length: 4 }, () => firstSighting(h.deps, key, now)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await firstSighting(h.deps, key, h.clock.advance(300_000))).toBe(false);
    // Still remembered after the one-shot claim expired and was purged.
    await h.deps.store.state.purgeExpiredLeases(h.clock.advance(2 * 3_600_000));
    expect(await firstSighting(h.deps, key, h.clock.now())).toBe(false);
    expect(await firstSighting(h.deps, 'orders-pg|KC-98|kc_trent_kc_98|no_live_grant', h.clock.now())).toBe(true);
  });
});
