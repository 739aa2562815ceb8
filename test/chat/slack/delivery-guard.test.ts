import { describe, expect, it } from 'vitest';
import { createDeliveryGuard, deliveryKeys } from '../../../src/chat/slack/http/delivery-guard.js';
import type { CoreDeps } from '../../../src/core/lifecycle/deps.js';
import { silentLogger } from '../../../src/core/ports/runtime.js';
import { createRng } from '../../../src/risk-lab/prng.js';

/**
 * Two replicas handed the same slash command at once (Slack's retry, a load balancer replaying it) claim its
 * keys (the signature, then the trigger id) in the shared inbound table. Exactly one of them may process it:
 * before, a delivery that lost the first key still claimed the next, so each of two could win one key and
 * neither processed the command (seen as an intermittent failure of the two-process replica test).
 */
describe('the Slack delivery guard under concurrent deliveries of one body', () => {
  it('admits exactly one of them, however their claims interleave', async () => {
    const rng = createRng('delivery-guard');
    const body = { command: '/access', text: 'orders-db 30m read', trigger_id: '123.456.abc', user_id: 'UALICE' };
    for (let round = 0; round < 200; round += 1) {
      const claimed = new Set<string>();
      const deps = {
        clock: { now: () => new Date() },
        store: {
          inbound: {
            // Each claim takes its own small while, as a round trip to the shared table does.
            claim: async (_source: string, key: string) => {
              await new Promise((resolve) => setTimeout(resolve, rng.int(0, 3)));
              if (claimed.has(key)) return false;
              claimed.add(key);
              return true;
            },
            release: async () => {},
            purgeExpired: async () => 0,
          },
        },
      } as unknown as CoreDeps;
      const guard = createDeliveryGuard({ core: () => deps, installation: () => undefined, log: silentLogger });
      const keys = deliveryKeys('same-signature', body);
      const verdicts = await Promise.all([1, 2, 3, 4].map(() => guard.admit(keys, body)));
      expect(
        verdicts.filter((v) => v === 'first'),
        `round ${round}: ${verdicts.join(', ')}`,
      ).toHaveLength(1);
    }
  });
});
