import { afterEach, describe, expect, it } from 'vitest';
import { inventoryText } from '../../src/cli/inventory-command.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { Provider, StandingAccess } from '../../src/core/ports/provider.js';
import { ProviderError } from '../../src/core/ports/provider.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { takeInventory } from '../../src/core/rollout/inventory.js';
import { matchRequester } from '../../src/core/rollout/principal-match.js';
import { createDemoProvider } from '../../src/providers/demo/index.js';
import { makePolicy } from '../fixtures/policy.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { createScriptedProvider } from '../helpers/scripted-provider.js';
import { createFakeState } from '../providers/fake-state.js';

const ALICE = 'alice.smith@example.com';
const BOB = 'bob@example.com';

/** A provider whose target reports fixed standing access (or fails to). */
function inventoried(kind: string, standing: StandingAccess[] | Error): Provider {
  return {
    ...createScriptedProvider(kind),
    async inventory() {
      if (standing instanceof Error) throw standing;
      return standing;
    },
  };
}

const policy = makePolicy({
  groups: { sre: [BOB, 'erin@example.com'], 'db-owners': ['carol@example.com'], security: ['dave@example.com'] },
  resources: {
    'prod-db': { provider: 'inv', sensitivity: 'low', levels: { read: {}, write: {} }, minDuration: '10s' },
    'pilot-db': { provider: 'inv', sensitivity: 'low', levels: { read: {} }, minDuration: '10s', mode: 'pilot' },
    'demo-logs': { provider: 'demo', sensitivity: 'low', levels: { read: {} }, minDuration: '10s' },
    'broken-db': { provider: 'broken', sensitivity: 'low', levels: { read: {} }, minDuration: '10s' },
    'secret-db': { provider: 'inv', sensitivity: 'low', levels: { read: {} }, minDuration: '10s', connection: 'env:SECRET_DB_URL' },
  },
});

describe('keycard inventory (core)', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('lists standing principals per resource with their last Keycard request, and says what it could not read', async () => {
    const standing: StandingAccess[] = [
      { level: 'read', principal: 'alice_smith', via: 'member of orders_readonly', kind: 'role' },
      { level: 'write', principal: 'alice_smith', via: 'member of orders_readwrite', kind: 'role' },
      { level: 'read', principal: 'BOB@example.com', via: 'RoleBinding payments/oncall', kind: 'user' },
      { level: 'read', principal: 'reporting', via: 'SELECT on public.orders', kind: 'role' },
      { level: 'read', principal: 'ops', via: 'group account assignment', kind: 'group' },
    ];
    h = await createHarness('pglite', {
      policy,
      providers: {
        inv: inventoried('inv', standing),
        broken: inventoried('broken', new ProviderError('unavailable', 'db down')),
        demo: inventoried('demo', new ProviderError('unsupported', 'this target has no inventory', { retryable: false })),
      },
    });
    const run = (actor: string, text: string) => handleCommand(h.deps, { actor, text, origin: { platform: 'console', user: actor } });
    await run(ALICE, '/access prod-db 30m read checking the nightly batch OPS-1');
    h.clock.advance(60_000);
    await run('carol@example.com', '/access pilot-db 30m read checking the pilot flow OPS-2');
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('active');

    const report = await takeInventory(h.deps);
    const byName = Object.fromEntries(report.map((r) => [r.resource, r]));
    expect(byName['prod-db']).toMatchObject({ status: 'ok', standingPrincipals: 4, activeGrants: 1, pilotGrants: 0, mode: 'enforce' });
    expect(byName['prod-db']?.standing).toEqual([
      {
        ...standing[0],
        requester: ALICE,
        lastRequest: { ref: 'KC-1', at: new Date('2026-11-24T09:00:00Z'), status: 'active', pilot: false },
      },
      { ...standing[1], requester: ALICE, lastRequest: expect.objectContaining({ ref: 'KC-1' }) },
      { ...standing[2], requester: BOB, lastRequest: null },
      { ...standing[3], requester: null, lastRequest: null },
      { ...standing[4], requester: null, lastRequest: null },
    ]);
    expect(byName['pilot-db']).toMatchObject({ activeGrants: 0, pilotGrants: 1, mode: 'pilot' });
    expect(byName['demo-logs']).toMatchObject({ status: 'unsupported', standing: [] });
    expect(byName['broken-db']).toMatchObject({ status: 'error', message: 'db down' });
    expect(byName['secret-db']).toMatchObject({ status: 'no_secret', message: expect.stringContaining('set SECRET_DB_URL') });

    const text = inventoryText(report).join('\n');
    expect(text).toContain('prod-db: 4 standing principals, 1 active Keycard grant');
    expect(text).toContain('pilot-db [pilot mode]: 4 standing principals, 0 active Keycard grants (+1 pilot)');
    expect(text).toContain('demo-logs: inventory not supported');
    expect(text).toMatch(
      /alice_smith = alice\.smith@example\.com\s+member of orders_readonly {2}· last asked via Keycard \d{4}-\d\d-\d\d \(KC-1, active\)/,
    );
    expect(text).toMatch(/reporting\s+SELECT on public\.orders {2}· never asked via Keycard \(no matching requester\)/);
    expect(text).toMatch(/ops \(group\)\s+group account assignment {2}· not a person/);

    const only = await takeInventory(h.deps, { resource: 'demo-logs' });
    expect(only.map((r) => r.resource)).toEqual(['demo-logs']);
  });
});

describe('matching a principal to a requester', () => {
  const people = ['alice.smith@example.com', 'bob@example.com', 'bob@other.example'];
  it('matches emails exactly and logins by the local part, only when unambiguous', () => {
    expect(matchRequester('Alice.Smith@Example.com', people)).toBe('alice.smith@example.com');
    expect(matchRequester('alice_smith', people)).toBe('alice.smith@example.com');
    expect(matchRequester('bob', people)).toBeUndefined();
    expect(matchRequester('carol', people)).toBeUndefined();
    expect(matchRequester('carol@example.com', people)).toBeUndefined();
  });
});

describe('demo inventory', () => {
  it('reports the standing principals the policy gives the imaginary target', async () => {
    const demo = createDemoProvider({ state: createFakeState(), log: silentLogger });
    const found = await demo.inventory!({
      resource: 'demo-db',
      resourceConfig: {},
      levels: { read: { standing: ['alice@example.com'] }, write: {} },
    });
    expect(found).toEqual([
      { level: 'read', principal: 'alice@example.com', via: 'standing demo access (levels.<level>.standing)', kind: 'user' },
    ]);
  });
});
