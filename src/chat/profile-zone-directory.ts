import type { Directory } from '../core/ports/directory.js';
import type { PersonAttributes } from '../core/ports/person.js';
import type { ProfileZones } from './profile-zones.js';

/**
 * The directory as a chat adapter's use cases see it: each person carries the zone their chat platform
 * reported (see `ProfileZones`) as `clientTimeZone`, so off-hours are judged on their own clock (issue 19).
 * It ranks below a directory source's zone and the policy's pin for them (requester-zone.ts), because the
 * person sets it. Nobody is invented: a person the directory does not know stays unknown.
 */
export function withProfileZones(directory: Directory, zones: ProfileZones): Directory {
  const zoned = (person: PersonAttributes): PersonAttributes => {
    const zone = zones.zoneOf(person.email);
    return zone ? { ...person, clientTimeZone: zone } : person;
  };
  return {
    get configured() {
      return directory.configured;
    },
    person(email) {
      const person = directory.person(email);
      return person && zoned(person);
    },
    async lookup(email) {
      const found = await directory.lookup(email);
      return found.status === 'found' ? { status: 'found', person: zoned(found.person) } : found;
    },
    emailOfObjectId: (objectId) => directory.emailOfObjectId(objectId),
  };
}
