import type { DirectorySourceName, GroupMembers, PeopleAnswer, SourceSnapshot } from '../core/ports/directory.js';
import { DirectoryError } from './errors.js';

/** At least this many people vanishing at once, all of them, reads as a misconfigured source rather than leavers. */
const MASS_REMOVAL_FLOOR = 3;

/**
 * The people a pull source knew (in its previous snapshot) that its new, complete answer explicitly no longer
 * has: removed from the source, so leavers. Someone the source never knew is unknown, not a leaver. Only
 * called with a successful answer (an error or partial page throws before this), and when every known person
 * vanishes at once, group members included (a token for another workspace or tenant, a wrong API URL), it
 * throws instead, so the refresh counts as failed and nobody is offboarded.
 */
export function removedPeople(
  source: DirectorySourceName,
  previous: SourceSnapshot | undefined,
  answer: PeopleAnswer,
  groups: readonly GroupMembers[],
): string[] {
  if (!previous) return [];
  const hadBefore = new Set(previous.people.map((p) => p.email.toLowerCase()));
  const removedBefore = new Set(previous.removed);
  const foundNow = new Set(answer.found.map((p) => p.email.toLowerCase()));
  const missing = [...new Set(answer.notFound.map((e) => e.toLowerCase()))].filter((email) => !foundNow.has(email));
  const newly = missing.filter((email) => hadBefore.has(email) && !removedBefore.has(email));
  const knewBefore = new Set([...hadBefore, ...previous.groups.flatMap((g) => g.members.map((m) => m.email.toLowerCase()))]);
  const seenNow = [...foundNow, ...groups.flatMap((g) => g.members.map((m) => m.email.toLowerCase()))];
  const stillThere = seenNow.some((email) => knewBefore.has(email));
  if (newly.length >= MASS_REMOVAL_FLOOR && !stillThere)
    throw new DirectoryError(
      'directory_bad_response',
      `${source} no longer has any of the ${newly.length} people it had a refresh ago; not treating them all as leavers (check the source's credentials, tenant or workspace)`,
    );
  return missing.filter((email) => hadBefore.has(email) || removedBefore.has(email)).sort();
}
