import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { CoreDeps } from '../../src/core/lifecycle/deps.js';
import type { RequestView } from '../../src/core/views/request-view.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import { hasTestPostgres, storeKinds } from '../helpers/db.js';
import { createFakeClock, createHarness, type Harness } from '../helpers/harness.js';
import { createScriptedProvider } from '../helpers/scripted-provider.js';
import { createReplicaSet } from '../reliability/replica-set.js';

const LOGS = ['logs-1', 'logs-2', 'logs-3', 'logs-4', 'logs-5', 'logs-6'];

/** Six low resources, nothing but the auto-approve cap (2 a day) between a request and its grant. */
const policy = makePolicy({
  resources: {
    ...basePolicyInput.resources,
    ...Object.fromEntries(LOGS.map((name) => [name, { provider: 'demo', sensitivity: 'low', levels: { read: {} }, maxDuration: '8h' }])),
  },
  risk: { factors: { firstAccess: 0, newResourceBurst: 0, velocity: 0, weakReason: 0 }, thresholds: { autoApproveCap: 2 } },
});

const ask = (deps: CoreDeps, resource: string) =>
  handleCommand(deps, {
    actor: 'mallory@example.com',
    text: `/access ${resource} 30m read reading the error logs`,
    origin: { platform: 'slack' },
  });

async function submittedAtOnce(deps: readonly CoreDeps[]): Promise<RequestView[]> {
  const results = await Promise.all(LOGS.map((resource, i) => ask(deps[i % deps.length]!, resource)));
  return results.map((r) => {
    if (r.kind !== 'request') throw new Error(`expected a request, got ${JSON.stringify(r)}`);
    return r.request;
  });
}

function expectCapHeld(requests: RequestView[]): void {
  const auto = requests.filter((r) => r.tier === 'low');
  const capped = requests.filter((r) => r.factors.some((f) => f.id === 'auto-approve-cap'));
  expect(auto).toHaveLength(2);
  expect(capped).toHaveLength(4);
  expect(capped.every((r) => r.status === 'pending' && r.tier === 'medium')).toBe(true);
}

describe.each(storeKinds())('requests sent at the same moment (%s)', (kind) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('are scored one after another: the auto-approve cap holds for a burst of six', async () => {
    h = await createHarness(kind, { policy });
    expectCapHeld(await submittedAtOnce([h.deps]));
  });
});

describe.runIf(hasTestPostgres())('requests sent at the same moment to two replicas on one Postgres database', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('are scored one after another across both: the auto-approve cap holds', async () => {
    const set = await createReplicaSet(2, createScriptedProvider('demo'), createFakeClock(new Date('2026-11-24T09:00:00Z')), policy);
    close = set.close;
    expectCapHeld(await submittedAtOnce(set.replicas));
  });
});
