import { z } from 'zod';
import type { DirectoryPerson, DirectorySourceName, SourceSnapshot } from '../core/ports/directory.js';

/** Where pull sources' last good snapshots live in the key/value state (one key per source), shared by replicas. */
export const SNAPSHOT_NAMESPACE = 'directory:snapshot';
export const STATUS_NAMESPACE = 'directory:status';

const personSchema = z.object({
  email: z.string(),
  active: z.boolean(),
  displayName: z.string().optional(),
  team: z.string().optional(),
  manager: z.string().optional(),
  leaveDate: z.string().optional(),
  timeZone: z.string().optional(),
  groups: z.array(z.string()).optional(),
  objectId: z.string().optional(),
});
const snapshotSchema = z.object({
  fetchedAt: z.string(),
  groups: z.array(z.object({ ref: z.string(), found: z.boolean(), members: z.array(personSchema) })),
  people: z.array(personSchema),
  // Snapshots stored before removals were tracked have none.
  removed: z.array(z.string()).default([]),
});
const statusSchema = z.object({ lastError: z.string().nullable(), at: z.string() });

function encodePerson(person: DirectoryPerson): Record<string, unknown> {
  const { leaveDate, ...rest } = person;
  return { ...rest, ...(leaveDate ? { leaveDate: leaveDate.toISOString() } : {}) };
}

function decodePerson(person: z.infer<typeof personSchema>): DirectoryPerson {
  const { leaveDate, ...rest } = person;
  const date = leaveDate ? new Date(leaveDate) : undefined;
  return { ...rest, ...(date && !Number.isNaN(date.getTime()) ? { leaveDate: date } : {}) } as DirectoryPerson;
}

export function encodeSnapshot(snapshot: SourceSnapshot): Record<string, unknown> {
  return {
    fetchedAt: snapshot.fetchedAt.toISOString(),
    groups: snapshot.groups.map((g) => ({ ref: g.ref, found: g.found, members: g.members.map(encodePerson) })),
    people: snapshot.people.map(encodePerson),
    removed: snapshot.removed,
  };
}

/** The stored snapshot, or undefined when it is missing or unreadable (then the source counts as never fetched). */
export function decodeSnapshot(source: DirectorySourceName, value: Record<string, unknown> | undefined): SourceSnapshot | undefined {
  const parsed = snapshotSchema.safeParse(value);
  if (!parsed.success) return undefined;
  return {
    source,
    fetchedAt: new Date(parsed.data.fetchedAt),
    groups: parsed.data.groups.map((g) => ({ ref: g.ref, found: g.found, members: g.members.map(decodePerson) })),
    people: parsed.data.people.map(decodePerson),
    removed: parsed.data.removed,
  };
}

export function decodeStatus(value: Record<string, unknown> | undefined): { lastError: string | null } {
  const parsed = statusSchema.safeParse(value);
  return { lastError: parsed.success ? parsed.data.lastError : null };
}
