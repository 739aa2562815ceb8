import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryGuard, deliveryKeys } from '../../../src/chat/slack/http/delivery-guard.js';
import type { CoreDeps } from '../../../src/core/lifecycle/deps.js';
import { silentLogger } from '../../../src/core/ports/runtime.js';
import { createInboundEventLog } from '../../../src/store/inbound-events.js';
import { createTestStore, storeKinds, type TestStore } from '../../helpers/db.js';

/**
 * Replicas handed the same slash command at once (Slack's retry, a load balancer replaying it) claim its keys
 * (the signature and the trigger id) in the shared inbound table. Exactly one of them may process it: when the
 * keys were claimed one after another, a delivery that lost the first key still claimed the next, so each of
 * two could win one key and neither processed the command (seen as an intermittent failure of the two-process
 * replica test). Now a delivery's keys go in one statement, won together or not at all.
 */
describe.each(storeKinds())('the Slack delivery guard under concurrent deliveries of one body, on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await createTestStore(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  /** A replica's guard: its own inbound log (its own claim batching) on the shared table. */
  const replicaGuard = () => {
    const deps = { clock: { now: () => new Date() }, store: { inbound: createInboundEventLog(t.handle.db) } } as unknown as CoreDeps;
    return createDeliveryGuard({ core: () => deps, installation: () => undefined, log: silentLogger });
  };

  it('admits exactly one of four deliveries spread over two replicas, round after round', async () => {
    const replicas = [replicaGuard(), replicaGuard()];
    for (let round = 0; round < 50; round += 1) {
      const body = { command: '/access', text: 'orders-db 30m read', trigger_id: `${round}.456.abc`, user_id: 'UALICE' };
      const keys = deliveryKeys(`signature-${round}`, body);
      const verdicts = await Promise.all([0, 1, 0, 1].map((r) => replicas[r]!.admit(keys, body)));
      expect(
        verdicts.filter((v) => v === 'first'),
        `round ${round}: ${verdicts.join(', ')}`,
      ).toHaveLength(1);
      expect(verdicts.filter((v) => v === 'duplicate')).toHaveLength(3);
    }
  });

  it('treats a re-signed resend of the same action (new signature, same trigger id) as a duplicate', async () => {
    const guard = replicaGuard();
    const body = { command: '/access', text: 'orders-db 30m read', trigger_id: 'resend.1', user_id: 'UALICE' };
    expect(await guard.admit(deliveryKeys('first-signature', body), body)).toBe('first');
    expect(await guard.admit(deliveryKeys('second-signature', body), body)).toBe('duplicate');
    // The exact replay is refused too, and an unrelated delivery still goes through.
    expect(await guard.admit(deliveryKeys('first-signature', body), body)).toBe('duplicate');
    const other = { ...body, trigger_id: 'resend.2' };
    expect(await guard.admit(deliveryKeys('third-signature', other), other)).toBe('first');
  });
});
