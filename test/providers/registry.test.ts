import { describe, expect, it } from 'vitest';
import type { Provider, ProviderFactory } from '../../src/core/ports/provider.js';
import { ProviderError } from '../../src/core/ports/provider.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { builtinProviderFactories } from '../../src/providers/builtin.js';
import { demoProvider } from '../../src/providers/demo/index.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { createFakeState } from './fake-state.js';

const deps = () => ({ state: createFakeState(), log: silentLogger, clock: { now: () => new Date() }, env: {} });

describe('provider registry', () => {
  it('lists the built-in kinds and their schemas', () => {
    const registry = createProviderRegistry([...builtinProviderFactories]);
    expect(registry.kinds()).toEqual(['demo', 'postgres', 'kubernetes', 'aws-sso', 'webhook']);
    expect(Object.keys(registry.schemas())).toEqual(['demo', 'postgres', 'kubernetes', 'aws-sso', 'webhook']);
    expect(registry.schemas().postgres?.requiresConnection).toBe(true);
    expect(registry.schemas().demo?.requiresConnection).toBe(false);
    expect(registry.get('demo')).toBe(demoProvider);
    expect(registry.get('nope')).toBeUndefined();
  });

  it('creates one provider per kind and closes them all', async () => {
    let created = 0;
    let closed = 0;
    const fake: ProviderFactory = {
      ...demoProvider,
      kind: 'fake',
      create(d): Provider {
        created++;
        return { ...demoProvider.create(d), kind: 'fake', close: async () => void closed++ };
      },
    };
    const registry = createProviderRegistry([demoProvider, fake]);
    const a = registry.instance('fake', deps());
    expect(registry.instance('fake', deps())).toBe(a);
    expect(created).toBe(1);
    registry.instance('demo', deps());
    await registry.closeAll();
    expect(closed).toBe(1);
    expect(registry.instance('fake', deps())).not.toBe(a);
  });

  it('refuses unknown and duplicate kinds', () => {
    const registry = createProviderRegistry([demoProvider]);
    expect(() => registry.instance('ldap', deps())).toThrow(ProviderError);
    expect(() => registry.instance('ldap', deps())).toThrow(/unknown provider "ldap" \(known: demo\)/);
    expect(() => createProviderRegistry([demoProvider, demoProvider])).toThrow(/registered twice/);
  });
});
