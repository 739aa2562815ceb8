/** A bounded set of recently seen ids: the oldest are forgotten first. */
export function createRecentIds(capacity: number) {
  const ids = new Set<string>();
  return {
    has: (id: string) => ids.has(id),
    add(id: string) {
      ids.delete(id);
      ids.add(id);
      if (ids.size > capacity) {
        const oldest = ids.values().next().value;
        if (oldest !== undefined) ids.delete(oldest);
      }
    },
    delete: (id: string) => ids.delete(id),
  };
}
