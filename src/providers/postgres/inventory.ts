import type pg from 'pg';
import type { StandingAccess } from '../../core/ports/provider.js';
import { ProviderError } from '../../core/ports/provider.js';
import { parseGrantComment } from './comment.js';
import { withClient } from './connection.js';
import { ROLE_NAME_RE } from './role-name.js';
import { postgresLevelConfigSchema } from './schemas.js';

interface Role {
  oid: string;
  name: string;
  login: boolean;
  superuser: boolean;
  comment: string | null;
}

/** Catalog snapshot: every role, and who is a usable member of whom (group oid → member oids). */
interface Catalog {
  roles: Map<string, Role>;
  byName: Map<string, Role>;
  members: Map<string, string[]>;
  memberOf: Map<string, string[]>;
  admin: string;
}

/** PUBLIC in an ACL: every role on the server. */
const PUBLIC_OID = '0';
/** Predefined roles that read or write every table, so their members reach any level's objects. */
const ALL_DATA_ROLES = ['pg_read_all_data', 'pg_write_all_data'];
const MAX_VIA = 3;

/**
 * Who reaches each level's objects outside Keycard: login roles that are (directly or through other
 * roles) members of the level's group role or of a role holding privileges on its objects, and roles
 * holding such privileges (or owning the objects) themselves. Excluded: Keycard's own login roles
 * (kc_ name and Keycard comment), the admin role Keycard connects as, and superusers (they bypass every
 * check and are better audited on their own; the README says so). Objects are the tables, views,
 * materialized views, sequences and foreign tables the group role (or a role it inherits) holds
 * privileges on or owns.
 */
export async function standingAccess(pool: pg.Pool, levels: Record<string, Record<string, unknown>>): Promise<StandingAccess[]> {
  return withClient(pool, async (db) => {
    const catalog = await readCatalog(db);
    const found: StandingAccess[] = [];
    for (const [level, raw] of Object.entries(levels)) {
      const parsed = postgresLevelConfigSchema.safeParse(raw);
      if (!parsed.success) continue;
      const groupRole = catalog.byName.get(parsed.data.role);
      if (!groupRole) throw new ProviderError('invalid_config', `level ${level}: group role "${parsed.data.role}" does not exist`);
      found.push(...(await levelAccess(db, catalog, level, groupRole)));
    }
    return found;
  });
}

async function readCatalog(db: pg.PoolClient): Promise<Catalog> {
  const roles = await db.query<{ oid: string; rolname: string; rolcanlogin: boolean; rolsuper: boolean; comment: string | null }>(
    `SELECT oid::text AS oid, rolname, rolcanlogin, rolsuper, shobj_description(oid, 'pg_authid') AS comment FROM pg_roles`,
  );
  // PostgreSQL 16 added per-grant INHERIT/SET options; a membership with neither carries no privileges
  // (CREATEROLE admins get such grants on every role they create). Reading them through to_jsonb keeps
  // the query valid on 15 and earlier, where every membership counts.
  const memberships = await db.query<{ roleid: string; member: string; usable: boolean }>(
    `SELECT roleid::text AS roleid, member::text AS member,
            COALESCE((to_jsonb(m) ->> 'inherit_option')::boolean, true)
              OR COALESCE((to_jsonb(m) ->> 'set_option')::boolean, true) AS usable
       FROM pg_auth_members m`,
  );
  const me = await db.query<{ me: string }>('SELECT current_user AS me');
  const catalog: Catalog = { roles: new Map(), byName: new Map(), members: new Map(), memberOf: new Map(), admin: me.rows[0]?.me ?? '' };
  for (const r of roles.rows) {
    const role = { oid: r.oid, name: r.rolname, login: r.rolcanlogin, superuser: r.rolsuper, comment: r.comment };
    catalog.roles.set(role.oid, role);
    catalog.byName.set(role.name, role);
  }
  for (const m of memberships.rows) {
    if (!m.usable) continue;
    push(catalog.members, m.roleid, m.member);
    push(catalog.memberOf, m.member, m.roleid);
  }
  return catalog;
}

async function levelAccess(db: pg.PoolClient, catalog: Catalog, level: string, groupRole: Role): Promise<StandingAccess[]> {
  // The group role's privileges include those of every role it is a member of.
  const inherited = closure(groupRole.oid, catalog.memberOf);
  const objects = await db.query<{ object: string; owner: string; acl: Array<{ grantee: string; privilege: string }> }>(
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS object, c.relowner::text AS owner,
            COALESCE((SELECT json_agg(json_build_object('grantee', a.grantee::text, 'privilege', a.privilege_type))
                        FROM aclexplode(c.relacl) a), '[]'::json) AS acl
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
        AND (c.relowner = ANY($1::oid[]) OR EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee = ANY($1::oid[])))
      ORDER BY 1`,
    [[...inherited]],
  );

  // Roles holding access in their own right, with what they hold.
  const holders = new Map<string, string[]>();
  for (const oid of inherited) holders.set(oid, []);
  for (const name of ALL_DATA_ROLES) {
    const role = catalog.byName.get(name);
    if (role) holders.set(role.oid, []);
  }
  for (const row of objects.rows) {
    if (!inherited.has(row.owner)) push(holders, row.owner, `owns ${row.object}`);
    const privileges = new Map<string, string[]>();
    for (const entry of row.acl) if (!inherited.has(entry.grantee)) push(privileges, entry.grantee, entry.privilege);
    for (const [grantee, list] of privileges) push(holders, grantee, `${[...new Set(list)].join(', ')} on ${row.object}`);
  }

  const vias = new Map<string, string[]>();
  const add = (oid: string, via: string) => push(vias, oid, via);
  for (const [holder, held] of holders) {
    const holderName = holder === PUBLIC_OID ? 'PUBLIC' : (catalog.roles.get(holder)?.name ?? holder);
    const what = summarize(held);
    if (held.length > 0) add(holder, what);
    // Everyone who can act as the holder through memberships, with the path they take.
    for (const [member, path] of memberPaths(holder, catalog.members)) {
      const chain = [...path.map((oid) => catalog.roles.get(oid)?.name ?? oid), holderName].join(' → ');
      add(member, held.length > 0 ? `member of ${chain} (${what})` : `member of ${chain}`);
    }
  }

  const result: StandingAccess[] = [];
  for (const [oid, list] of vias) {
    const via = summarize([...new Set(list)]);
    if (oid === PUBLIC_OID) {
      result.push({ level, principal: 'PUBLIC', via, kind: 'group' });
      continue;
    }
    const role = catalog.roles.get(oid);
    if (!role?.login || isExcluded(role, catalog)) continue;
    result.push({ level, principal: role.name, via, kind: 'role' });
  }
  return result.sort((a, b) => a.principal.localeCompare(b.principal));
}

function isExcluded(role: Role, catalog: Catalog): boolean {
  if (role.superuser || role.name === catalog.admin) return true;
  return ROLE_NAME_RE.test(role.name) && parseGrantComment(role.comment) !== undefined;
}

/** `start` and every role it reaches through `edges`, transitively. */
function closure(start: string, edges: Map<string, string[]>): Set<string> {
  const seen = new Set([start]);
  const queue = [start];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const to of edges.get(next) ?? []) {
      if (!seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return seen;
}

/** Every (transitive) member of `group`, with the shortest chain of roles between it and the group. */
function memberPaths(group: string, members: Map<string, string[]>): Map<string, string[]> {
  const paths = new Map<string, string[]>();
  const queue: Array<{ oid: string; path: string[] }> = [{ oid: group, path: [] }];
  const seen = new Set([group]);
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const member of members.get(next.oid) ?? []) {
      if (seen.has(member)) continue;
      seen.add(member);
      // The path lists the groups between the member and `group`, nearest first.
      const path = next.oid === group ? [] : [next.oid, ...next.path];
      paths.set(member, path);
      queue.push({ oid: member, path });
    }
  }
  return paths;
}

function summarize(items: string[]): string {
  if (items.length <= MAX_VIA) return items.join('; ');
  return `${items.slice(0, MAX_VIA).join('; ')} and ${items.length - MAX_VIA} more`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
