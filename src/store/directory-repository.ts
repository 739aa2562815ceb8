import { eq, inArray, sql } from 'drizzle-orm';
import type { DirectoryStore, ScimGroup, ScimGroupInput, ScimUser } from '../core/ports/directory.js';
import type { Database } from './database.js';
import { scimGroups as g, scimGroupMembers as m, scimUsers as u } from './schema.js';

// Postgres unique_violation: a second user with the same userName, or group with the same displayName.
const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    if (typeof current === 'object' && current !== null && 'code' in current && current.code === UNIQUE_VIOLATION) return true;
    current = typeof current === 'object' && current !== null && 'cause' in current ? current.cause : undefined;
  }
  return false;
}

type UserRow = typeof u.$inferSelect;
type GroupRow = typeof g.$inferSelect;

const toUser = (row: UserRow): ScimUser => ({ ...row });

async function membersOf(db: Database, ids: readonly string[]): Promise<Map<string, string[]>> {
  const byGroup = new Map<string, string[]>();
  if (ids.length === 0) return byGroup;
  const rows = await db
    .select()
    .from(m)
    .where(inArray(m.groupId, [...ids]))
    .orderBy(m.userId);
  for (const row of rows) byGroup.set(row.groupId, [...(byGroup.get(row.groupId) ?? []), row.userId]);
  return byGroup;
}

async function withMembers(db: Database, rows: GroupRow[]): Promise<ScimGroup[]> {
  const members = await membersOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((row) => ({ ...row, memberIds: members.get(row.id) ?? [] }));
}

/** Replaces a group's members with the given user ids, ignoring ids that are not (or no longer) users. */
async function setMembers(tx: Database, groupId: string, userIds: readonly string[]): Promise<void> {
  await tx.delete(m).where(eq(m.groupId, groupId));
  const wanted = [...new Set(userIds)];
  if (wanted.length === 0) return;
  const existing = await tx.select({ id: u.id }).from(u).where(inArray(u.id, wanted));
  if (existing.length === 0) return;
  await tx.insert(m).values(existing.map((row) => ({ groupId, userId: row.id })));
}

/** The SCIM tables of migration 0004, for either driver. */
export function createDirectoryRepository(db: Database, beforeUse: (method: string) => void = () => {}): DirectoryStore {
  const conflictOr = async <T>(work: () => Promise<T>): Promise<T | 'conflict'> => {
    try {
      return await work();
    } catch (error) {
      if (isUniqueViolation(error)) return 'conflict';
      throw error;
    }
  };
  return {
    async listUsers(filter = {}) {
      beforeUse('directory.listUsers');
      const where =
        filter.userName !== undefined
          ? sql`lower(${u.userName}) = ${filter.userName.toLowerCase()}`
          : filter.email !== undefined
            ? eq(u.email, filter.email.toLowerCase())
            : undefined;
      const rows = await db.select().from(u).where(where).orderBy(u.createdAt, u.id);
      return rows.map(toUser);
    },
    async getUser(id) {
      beforeUse('directory.getUser');
      const [row] = await db.select().from(u).where(eq(u.id, id));
      return row ? toUser(row) : undefined;
    },
    async insertUser(id, user, now) {
      beforeUse('directory.insertUser');
      return conflictOr(async () => {
        const [row] = await db
          .insert(u)
          .values({ id, ...user, createdAt: now, updatedAt: now, version: 1 })
          .returning();
        return toUser(row!);
      });
    },
    async replaceUser(id, user, now) {
      beforeUse('directory.replaceUser');
      return conflictOr(async () => {
        const [row] = await db
          .update(u)
          .set({ ...user, updatedAt: now, version: sql`${u.version} + 1` })
          .where(eq(u.id, id))
          .returning();
        return row ? toUser(row) : undefined;
      });
    },
    async deleteUser(id) {
      beforeUse('directory.deleteUser');
      const rows = await db.delete(u).where(eq(u.id, id)).returning({ id: u.id });
      return rows.length > 0;
    },
    async listGroups(filter = {}) {
      beforeUse('directory.listGroups');
      const where = filter.displayName !== undefined ? sql`lower(${g.displayName}) = ${filter.displayName.toLowerCase()}` : undefined;
      return withMembers(db, await db.select().from(g).where(where).orderBy(g.createdAt, g.id));
    },
    async getGroup(id) {
      beforeUse('directory.getGroup');
      const [row] = await db.select().from(g).where(eq(g.id, id));
      return row ? (await withMembers(db, [row]))[0] : undefined;
    },
    async insertGroup(id, group: ScimGroupInput, now) {
      beforeUse('directory.insertGroup');
      return conflictOr(() =>
        db.transaction(async (tx) => {
          const [row] = await tx
            .insert(g)
            .values({ id, displayName: group.displayName, externalId: group.externalId, createdAt: now, updatedAt: now, version: 1 })
            .returning();
          await setMembers(tx, id, group.memberIds);
          return (await withMembers(tx, [row!]))[0]!;
        }),
      );
    },
    async replaceGroup(id, group, now) {
      beforeUse('directory.replaceGroup');
      return conflictOr(() =>
        db.transaction(async (tx) => {
          const [row] = await tx
            .update(g)
            .set({ displayName: group.displayName, externalId: group.externalId, updatedAt: now, version: sql`${g.version} + 1` })
            .where(eq(g.id, id))
            .returning();
          if (!row) return undefined;
          await setMembers(tx, id, group.memberIds);
          return (await withMembers(tx, [row]))[0];
        }),
      );
    },
    async deleteGroup(id) {
      beforeUse('directory.deleteGroup');
      const rows = await db.delete(g).where(eq(g.id, id)).returning({ id: g.id });
      return rows.length > 0;
    },
  };
}
