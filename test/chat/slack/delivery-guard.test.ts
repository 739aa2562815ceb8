import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryGuard, deliveryKeys } from '../../../src/chat/slack/http/delivery-guard.js';
import type { CoreDeps } from '../../../src/core/lifecycle/deps.js';
import { silentLogger } from '../../../src/core/ports/runtime.js';
import { createRng } from '../../../src/risk-lab/prng.js';
import { createInboundEventLog } from '../../../src/store/inbound-events.js';
import { MEMORY_DATA_DIR, openDatabase, type PgHandle, runMigrations } from '../../../src/store/index.js';
import { createTestStore, freshPostgresDatabase, hasTestPostgres, storeKinds, type TestStore } from '../../helpers/db.js';

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

/**
 * Two replica processes' claim batchers (each replica has two: its claim pool and its main pool) on one real
 * Postgres database, every round a shuffled mix of deliveries: one event delivered six times (three identical
 * pairs and re-signed copies), one interaction likewise, and unrelated events sharing ids among themselves.
 * Each logical event must be first exactly once, and no statement may fail: batches that overlap take their
 * keys' locks in one order, so they wait for each other instead of deadlocking.
 */
describe.skipIf(!hasTestPostgres())('claim batches of two replicas racing on one Postgres database', () => {
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;
  const handles: PgHandle[] = [];
  beforeAll(async () => {
    database = await freshPostgresDatabase();
    for (let i = 0; i < 2; i += 1) {
      const handle = await openDatabase({ url: database.url, dataDir: MEMORY_DATA_DIR, log: silentLogger, poolMax: 4 });
      if (handle.driver !== 'pg') throw new Error('expected node-postgres');
      handles.push(handle);
    }
    await runMigrations(handles[0]!);
  });
  afterAll(async () => {
    for (const handle of handles.splice(0)) await handle.close();
    await database?.dispose();
  });

  it('gives every logical event exactly one first, round after round, with no failed statement', async () => {
    const rng = createRng('claim-race');
    const logs = handles.flatMap((handle) => [createInboundEventLog(handle.claimDb), createInboundEventLog(handle.db)]);
    const problems: string[] = [];
    for (let round = 0; round < 100; round += 1) {
      const deliveries: Array<{ event: string; keys: Array<{ key: string; ttlMs: number }> }> = [];
      for (let i = 0; i < 6; i += 1) {
        deliveries.push({
          event: 'E',
          keys: [
            { key: `sig:e${round}-${i % 3}`, ttlMs: 300_000 },
            { key: `event:E${round}`, ttlMs: 7_200_000 },
          ],
        });
        deliveries.push({
          event: 'T',
          keys: [
            { key: `sig:t${round}-${i % 3}`, ttlMs: 300_000 },
            { key: `trigger:T${round}`, ttlMs: 7_200_000 },
          ],
        });
      }
      for (let i = 0; i < 20; i += 1)
        deliveries.push({
          event: `N${i % 5}`,
          keys: [
            { key: `sig:n${round}-${i}`, ttlMs: 60_000 },
            { key: `event:N${round}-${i % 5}`, ttlMs: 60_000 },
          ],
        });
      // Shuffled, each to a random batcher.
      for (let i = deliveries.length - 1; i > 0; i -= 1) {
        const j = rng.int(0, i);
        [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
      }
      const now = new Date();
      const results = await Promise.all(
        deliveries.map((d) =>
          logs[rng.int(0, logs.length - 1)]!.claimAll('slack', d.keys, now).catch((error: unknown) => {
            problems.push(`round ${round}: ${String((error as { cause?: unknown }).cause ?? error)}`);
            return false;
          }),
        ),
      );
      const firsts = new Map<string, number>();
      results.forEach((first, i) => {
        if (first) firsts.set(deliveries[i]!.event, (firsts.get(deliveries[i]!.event) ?? 0) + 1);
      });
      for (const event of ['E', 'T', 'N0', 'N1', 'N2', 'N3', 'N4'])
        if (firsts.get(event) !== 1) problems.push(`round ${round}: ${event} first ${firsts.get(event) ?? 0} times`);
    }
    expect(problems.slice(0, 10)).toEqual([]);
  }, 60_000);
});
