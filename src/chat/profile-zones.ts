import type { Clock } from '../core/ports/runtime.js';
import { isTimeZone } from '../core/time-zone.js';
import { createTtlCache } from './ttl-cache.js';

/**
 * Longer than the chat adapters' identity caches, so a person whose e-mail is still cached still has their zone;
 * every fresh answer from the chat platform overwrites (or clears) it, so a changed profile is seen soon anyway.
 */
export const PROFILE_ZONE_TTL_MS = 24 * 60 * 60_000;

/** The time zones chat platforms report for people (their profile or client), by lower-case e-mail. */
export interface ProfileZones {
  /** Keeps the zone the platform gave for the person; a missing zone, or one the runtime does not know, forgets theirs. Returns whether it was kept. */
  note(email: string, zone: string | undefined): boolean;
  /** The person's profile zone, if the platform gave a usable one recently. */
  zoneOf(email: string): string | undefined;
}

/** A bounded, expiring map of profile zones, fed by a chat adapter when it identifies the sender of a turn. */
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
