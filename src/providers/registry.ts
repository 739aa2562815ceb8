import type { Provider, ProviderDeps, ProviderFactory, ProviderSchemas } from '../core/ports/provider.js';
import { ProviderError } from '../core/ports/provider.js';

/** Looks up provider factories by `kind` and keeps one live Provider per kind. */
export interface ProviderRegistry {
  get(kind: string): ProviderFactory | undefined;
  kinds(): string[];
  /** Each kind's schemas, for validating a policy's resources and levels. */
  schemas(): Record<string, ProviderSchemas>;
  /** The Provider for `kind`, created on first use with `deps` and cached afterwards. */
  instance(kind: string, deps: ProviderDeps): Provider;
  /** Closes every created Provider (all are attempted; the first failure is rethrown). */
  closeAll(): Promise<void>;
}

/** Builds a registry; duplicate kinds are a programming error and throw at once. */
export function createProviderRegistry(factories: readonly ProviderFactory[]): ProviderRegistry {
  const byKind = new Map<string, ProviderFactory>();
  for (const factory of factories) {
    if (byKind.has(factory.kind)) throw new Error(`provider kind "${factory.kind}" is registered twice`);
    byKind.set(factory.kind, factory);
  }
  const instances = new Map<string, Provider>();

  const require = (kind: string): ProviderFactory => {
    const factory = byKind.get(kind);
    if (!factory) {
      const known = [...byKind.keys()].join(', ') || 'none';
      throw new ProviderError('invalid_config', `unknown provider "${kind}" (known: ${known})`);
    }
    return factory;
  };

  return {
    get: (kind) => byKind.get(kind),
    kinds: () => [...byKind.keys()],
    schemas: () => Object.fromEntries([...byKind].map(([kind, factory]) => [kind, factory.schemas])),
    instance(kind, deps) {
      const existing = instances.get(kind);
      if (existing) return existing;
      const created = require(kind).create(deps);
      instances.set(kind, created);
      return created;
    },
    async closeAll() {
      const open = [...instances.values()];
      instances.clear();
      const results = await Promise.allSettled(open.map(async (provider) => provider.close?.()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
