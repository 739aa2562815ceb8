import type { StateStore } from '../../src/core/ports/state.js';

/** In-memory StateStore; values are deep-copied so tests see what a database would hold. */
export function createFakeState(): StateStore & { dump(): Record<string, Record<string, unknown>> } {
  const data = new Map<string, Map<string, Record<string, unknown>>>();
  const bucket = (namespace: string) => {
    let b = data.get(namespace);
    if (!b) {
      b = new Map();
      data.set(namespace, b);
    }
    return b;
  };
  const copy = (value: Record<string, unknown>) => structuredClone(value);
  return {
    async put(namespace, key, value) {
      bucket(namespace).set(key, copy(value));
    },
    async get(namespace, key) {
      const value = data.get(namespace)?.get(key);
      return value ? copy(value) : undefined;
    },
    async delete(namespace, key) {
      return data.get(namespace)?.delete(key) ?? false;
    },
    async list(namespace) {
      return [...(data.get(namespace) ?? new Map<string, Record<string, unknown>>())].map(([key, value]) => ({ key, value: copy(value) }));
    },
    async acquireLease(name, holder, now, ttlMs) {
      const leases = bucket('lease');
      const current = leases.get(name);
      if (current && current.holder !== holder && new Date(String(current.expiresAt)) > now) return false;
      leases.set(name, { holder, expiresAt: new Date(now.getTime() + ttlMs).toISOString() });
      return true;
    },
    async releaseLease(name, holder) {
      if (data.get('lease')?.get(name)?.holder === holder) data.get('lease')?.delete(name);
    },
    async purgeExpiredLeases(now) {
      const leases = data.get('lease');
      let purged = 0;
      for (const [key, value] of leases ?? []) {
        if (new Date(String(value.expiresAt)) < now) {
          leases?.delete(key);
          purged += 1;
        }
      }
      return purged;
    },
    dump() {
      return Object.fromEntries([...data].map(([ns, b]) => [ns, Object.fromEntries(b)]));
    },
  };
}
