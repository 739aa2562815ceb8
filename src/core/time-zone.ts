const known = new Map<string, boolean>();

/** True when `zone` is an IANA time zone this runtime knows (Intl accepts it). Cached: the check builds a formatter. */
export function isTimeZone(zone: string): boolean {
  let valid = known.get(zone);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone: zone });
      valid = zone.length > 0;
    } catch {
      valid = false;
    }
    // Bounded: directory attributes are data, and a cache keyed by data must not grow without limit.
    if (known.size < 2_000) known.set(zone, valid);
  }
  return valid;
}

/** Why `zone` is not usable as a time zone, with the likely intended spelling; undefined when it is fine. */
export function timeZoneProblem(zone: string): string | undefined {
  if (isTimeZone(zone)) return undefined;
  const lower = zone.toLowerCase().replace(/ /g, '_');
  const close = Intl.supportedValuesOf('timeZone').find((candidate) => candidate.toLowerCase() === lower);
  return `"${zone}" is not an IANA time zone${close ? ` (did you mean ${close}?)` : ' (e.g. Europe/Berlin, America/New_York, UTC)'}`;
}
