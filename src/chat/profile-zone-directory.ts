import type { Directory } from '../core/ports/directory.js';
import type { PersonAttributes } from '../core/ports/person.js';
import { isTimeZone } from '../core/time-zone.js';
import type { ProfileZones } from './profile-zones.js';

/**
 * The directory as a chat adapter's use cases see it: a person for whom no directory source gives a usable
 * time zone takes the one their chat platform reported (see `ProfileZones`), so off-hours are judged on their
 * own clock (issue 19). A source's zone always wins, and nobody is invented: a person the directory does not
 * know stays unknown. Policy `risk.timeZones` entries rank below any directory zone, this one included
 * (requester-zone.ts).
 */
export function withProfileZones(directory: Directory, zones: ProfileZones): Directory {
  const zoned = (person: PersonAttributes): PersonAttributes => {
    if (person.timeZone && isTimeZone(person.timeZone)) return person;
    const zone = zones.zoneOf(person.email);
    return zone ? { ...person, timeZone: zone } : person;
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
