import type { Provider, ProviderDeps, ProviderFactory, ProviderSchemas } from '../core/ports/provider.js';
import { ProviderError } from '../core/ports/provider.js';

/**
 * A provider whose code, and the SDK behind it, is imported only when a policy uses it: the entry carries
 * what policy checking needs (the kind and its zod schemas, from a module with no SDK import) and names
 * the module to load for the rest.
 */
export interface LazyProviderEntry {
  readonly kind: string;
  readonly schemas: ProviderSchemas;
  load(): Promise<ProviderFactory>;
}

/** A registry entry: a factory already in memory, or one loaded on demand. */
export type ProviderEntry = ProviderFactory | LazyProviderEntry;

const isLazy = (entry: ProviderEntry): entry is LazyProviderEntry => 'load' in entry;

/** Looks up provider factories by `kind` and keeps one live Provider per kind. */
export interface ProviderRegistry {
  /** The entry for `kind` (loaded or not), or undefined for an unknown kind. */
  get(kind: string): ProviderEntry | undefined;
  kinds(): string[];
  /** Each kind's schemas, for validating a policy's resources and levels (loads no provider code). */
  schemas(): Record<string, ProviderSchemas>;
  /** Imports the code of the given kinds (unknown kinds are ignored: policy validation reports them). */
  load(kinds: Iterable<string>): Promise<void>;
  /** The Provider for `kind`, created on first use with `deps` and cached afterwards; its code must be loaded. */
  instance(kind: string, deps: ProviderDeps): Provider;
  /** Closes every created Provider (all are attempted; the first failure is rethrown). */
  closeAll(): Promise<void>;
}

/** Builds a registry; duplicate kinds are a programming error and throw at once. */
export function createProviderRegistry(entries: readonly ProviderEntry[]): ProviderRegistry {
  const byKind = new Map<string, ProviderEntry>();
  for (const entry of entries) {
    if (byKind.has(entry.kind)) throw new Error(`provider kind "${entry.kind}" is registered twice`);
    byKind.set(entry.kind, entry);
  }
  const loaded = new Map<string, ProviderFactory>();
  for (const entry of entries) if (!isLazy(entry)) loaded.set(entry.kind, entry);
  const instances = new Map<string, Provider>();

  const factoryOf = (kind: string): ProviderFactory => {
    const factory = loaded.get(kind);
    if (factory) return factory;
    if (!byKind.has(kind)) {
      const known = [...byKind.keys()].join(', ') || 'none';
      throw new ProviderError('invalid_config', `unknown provider "${kind}" (known: ${known})`);
    }
    throw new Error(`provider "${kind}" is used before its code was loaded (call registry.load first)`);
  };

  return {
    get: (kind) => byKind.get(kind),
    kinds: () => [...byKind.keys()],
    schemas: () => Object.fromEntries([...byKind].map(([kind, entry]) => [kind, entry.schemas])),
    async load(kinds) {
      for (const kind of new Set(kinds)) {
        const entry = byKind.get(kind);
        if (!entry || loaded.has(kind) || !isLazy(entry)) continue;
        const factory = await entry.load();
        if (factory.kind !== kind) throw new Error(`provider module for "${kind}" exports kind "${factory.kind}"`);
        loaded.set(kind, factory);
      }
    },
    instance(kind, deps) {
      const existing = instances.get(kind);
      if (existing) return existing;
      const created = factoryOf(kind).create(deps);
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
