import type { SourceSnapshot } from '../ports/directory.js';
import type { PersonAttributes } from '../ports/person.js';

/** Has this person left (deactivated, suspended, removed, or past their leave date) as of `now`? */
export function hasLeft(person: Pick<PersonAttributes, 'active' | 'leaveDate'>, now: Date): boolean {
  return !person.active || (person.leaveDate !== undefined && person.leaveDate.getTime() <= now.getTime());
}

/** Why a leaver is treated as one, for cards, DMs and the audit log. */
export function leaverReason(person: Pick<PersonAttributes, 'active' | 'leaveDate'>, source: string): string {
  if (!person.active) return `deactivated in the directory (${source})`;
  return `past their leave date ${person.leaveDate?.toISOString().slice(0, 10) ?? ''} (${source})`;
}

/**
 * One record per person across sources. The safe merge: any source saying inactive wins, the earliest leave
 * date wins, other fields come from the first source that has them, and group references are unioned.
 */
export function mergePeople(snapshots: readonly SourceSnapshot[]): Map<string, PersonAttributes & { sources: string[] }> {
  const people = new Map<string, PersonAttributes & { sources: string[] }>();
  const add = (person: PersonAttributes, source: string) => {
    const email = person.email.toLowerCase();
    const known = people.get(email);
    if (!known) {
      people.set(email, { ...person, email, groups: [...(person.groups ?? [])], sources: [source] });
      return;
    }
    known.active = known.active && person.active;
    if (person.leaveDate && (!known.leaveDate || person.leaveDate < known.leaveDate)) known.leaveDate = person.leaveDate;
    for (const key of ['displayName', 'team', 'manager', 'timeZone'] as const)
      if (known[key] === undefined && person[key]) known[key] = person[key];
    known.groups = [...new Set([...(known.groups ?? []), ...(person.groups ?? [])])];
    if (!known.sources.includes(source)) known.sources.push(source);
  };
  for (const snapshot of snapshots) {
    for (const person of snapshot.people) add(person, snapshot.source);
    for (const group of snapshot.groups) for (const member of group.members) add({ ...member, groups: [group.ref] }, snapshot.source);
  }
  return people;
}
