import type { Clock } from '../../core/ports/runtime.js';
import { isTimeZone } from '../../core/time-zone.js';
import { createTtlCache } from './ttl-cache.js';

/**
 * Longer than the identity cache's TTL, so a person whose e-mail is still cached still has their zone; every
 * users.info answer overwrites (or clears) it, so a changed profile is seen on the next lookup anyway.
 */
export const PROFILE_ZONE_TTL_MS = 24 * 60 * 60_000;

/** The time zones Slack profiles give (users.info `tz`), by lower-case e-mail. */
export interface ProfileZones {
  /** Keeps the zone the person's profile gave; a missing zone, or one the runtime does not know, forgets theirs. Returns whether it was kept. */
  note(email: string, zone: string | undefined): boolean;
  /** The person's profile zone, if Slack gave a usable one recently. */
  zoneOf(email: string): string | undefined;
}

/** A bounded, expiring map of Slack profile zones, fed by the identity's users.info lookups. */
export function createProfileZones(deps: { clock: Clock; ttlMs?: number; maxEntries?: number }): ProfileZones {
  const zones = createTtlCache<string>({
    ttlMs: deps.ttlMs ?? PROFILE_ZONE_TTL_MS,
    maxEntries: deps.maxEntries ?? 10_000,
    clock: deps.clock,
  });
  return {
    note(email, zone) {
      const key = email.toLowerCase();
      if (zone && isTimeZone(zone)) {
        zones.set(key, zone);
        return true;
      }
      zones.delete(key);
      return false;
    },
    zoneOf: (email) => zones.get(email.toLowerCase()),
  };
}
