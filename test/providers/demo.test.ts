import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createDemoProvider, DEMO_NAMESPACE, demoProvider, demoSchemas } from '../../src/providers/demo/index.js';
import { runProviderContract } from './contract.js';
import { createFakeState } from './fake-state.js';

runProviderContract(
  'demo',
  async () => ({
    provider: createDemoProvider({ state: createFakeState(), log: silentLogger }),
    input: { requester: 'alice@example.com', resource: 'demo-db', level: 'read', levelConfig: { note: 'try me' }, resourceConfig: {} },
    listInput: { resource: 'demo-db', resourceConfig: {}, levels: { read: {} } },
    teardown: async () => {},
  }),
  { schemas: demoSchemas, validLevelConfig: { note: 'hello' }, invalidLevelConfig: { role: 'x' }, sessions: 'count' },
);

describe('demo provider', () => {
  const input = {
    grantId: 'KC-7',
    requester: 'alice@example.com',
    resource: 'demo-db',
    level: 'read',
    levelConfig: {},
    resourceConfig: {},
    expiresAt: new Date('2030-01-01T10:00:00Z'),
    now: new Date('2030-01-01T09:00:00Z'),
  };

  it('stores a fingerprint, never the secret, and says it is a demo', async () => {
    const state = createFakeState();
    const provider = demoProvider.create({ state, log: silentLogger, clock: { now: () => input.now }, env: {} });
    const outcome = await provider.grant(input);
    const secret = outcome.credential!.secret;
    expect(secret.length).toBeGreaterThanOrEqual(20);
    expect(outcome.ref).toEqual({ username: 'kc_demo_kc_7' });
    expect(outcome.credential!.summary).toMatch(/demo/i);
    const stored = JSON.stringify(state.dump());
    expect(stored).not.toContain(secret);
    expect(stored).toContain('secretSha256');
    expect(await state.get(DEMO_NAMESPACE, 'KC-7')).toMatchObject({ username: 'kc_demo_kc_7', expiresAt: '2030-01-01T10:00:00.000Z' });
  });

  it('lists only grants of the asked resource and issues a new secret on re-grant', async () => {
    const state = createFakeState();
    const provider = createDemoProvider({ state, log: silentLogger });
    const first = await provider.grant(input);
    const second = await provider.grant(input);
    await provider.grant({ ...input, grantId: 'KC-8', resource: 'other' });
    expect(second.credential!.secret).not.toBe(first.credential!.secret);
    const listed = await provider.list({ resource: 'demo-db', resourceConfig: {}, levels: {} });
    expect(listed).toEqual([{ grantId: 'KC-7', ref: { username: 'kc_demo_kc_7' }, principal: 'kc_demo_kc_7', expiresAt: input.expiresAt }]);
  });

  it('rejects resource config it does not know', () => {
    expect(demoSchemas.resourceConfig.safeParse({ url: 'x' }).success).toBe(false);
    expect(demoSchemas.levelConfig.safeParse({}).success).toBe(true);
  });
});
