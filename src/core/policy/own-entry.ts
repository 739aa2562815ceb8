/**
 * A named entry of a policy map looked up by a name someone typed. A plain `map[name]` would answer
 * `__proto__`, `constructor` or `toString` with Object.prototype's members, which then pass as a resource.
 */
export function ownEntry<T>(map: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(map, name) ? map[name] : undefined;
}
