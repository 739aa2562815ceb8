import type { SourceSnapshot } from '../ports/directory.js';
import type { PersonAttributes } from '../ports/person.js';

/** Has this person left (deactivated, suspended, removed, or past their leave date) as of `now`? */
export function hasLeft(person: Pick<PersonAttributes, 'active' | 'leaveDate'>, now: Date): boolean {
  return !person.active || (person.leaveDate !== undefined && person.leaveDate.getTime() <= now.getTime());
}

/** One person as all sources together describe them. */
export interface MergedPerson extends PersonAttributes {
  /** Every source that has something to say about the person. */
  sources: string[];
  /** Sources that report the person deactivated, suspended or deprovisioned. */
  deactivatedIn: string[];
  /** Sources that knew the person and whose last complete answer no longer has them. */
  removedFrom: string[];
  /** The source of the earliest leave date, when there is one. */
  leaveDateFrom: string | undefined;
}

/** Why a leaver is treated as one (for cards, DMs and the audit log) and which source says so; undefined when they have not left. */
export function describeLeaver(person: MergedPerson, now: Date): { reason: string; source: string } | undefined {
  if (!hasLeft(person, now)) return undefined;
  const deactivated = person.deactivatedIn[0];
  if (deactivated) return { reason: `deactivated in the directory (${deactivated})`, source: deactivated };
  const removed = person.removedFrom[0];
  if (removed) return { reason: `removed from the directory (${removed})`, source: removed };
  const source = person.leaveDateFrom ?? person.sources[0] ?? 'directory';
  return { reason: `past their leave date ${person.leaveDate?.toISOString().slice(0, 10) ?? ''} (${source})`, source };
}

/**
 * One record per person across sources. The safe merge: any source saying inactive (or removed) wins, the
 * earliest leave date wins, other fields come from the first source that has them, and group references are
 * unioned.
 */
export function mergePeople(snapshots: readonly SourceSnapshot[]): Map<string, MergedPerson> {
  const people = new Map<string, MergedPerson>();
  const add = (person: PersonAttributes, source: string, removed: boolean) => {
    const email = person.email.toLowerCase();
    let known = people.get(email);
    if (!known) {
      const { leaveDate: _unused, ...rest } = person;
      known = { ...rest, email, groups: [], sources: [], deactivatedIn: [], removedFrom: [], leaveDateFrom: undefined };
      people.set(email, known);
    }
    known.active = known.active && person.active;
    if (removed) {
      if (!known.removedFrom.includes(source)) known.removedFrom.push(source);
    } else if (!person.active && !known.deactivatedIn.includes(source)) known.deactivatedIn.push(source);
    if (person.leaveDate && (!known.leaveDate || person.leaveDate < known.leaveDate)) {
      known.leaveDate = person.leaveDate;
      known.leaveDateFrom = source;
    }
    for (const key of ['displayName', 'team', 'manager', 'timeZone'] as const)
      if (known[key] === undefined && person[key]) known[key] = person[key];
    known.groups = [...new Set([...(known.groups ?? []), ...(person.groups ?? [])])];
    if (!known.sources.includes(source)) known.sources.push(source);
  };
  for (const snapshot of snapshots) {
    for (const person of snapshot.people) add(person, snapshot.source, false);
    for (const group of snapshot.groups)
      for (const member of group.members) add({ ...member, groups: [group.ref] }, snapshot.source, false);
    for (const email of snapshot.removed) add({ email, active: false }, snapshot.source, true);
  }
  return people;
}
