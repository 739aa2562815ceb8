import type { DirectoryPerson, DirectorySource } from '../../core/ports/directory.js';
import type { FetchLike } from '../errors.js';
import { fetchJson } from '../errors.js';

export interface OktaDirectoryConfig {
  /** https://<org>.okta.com */
  orgUrl: string;
  /** API token (SSWS) of an admin with read access (okta.groups.read, okta.users.read). */
  token: string;
  fetch?: FetchLike;
}

interface OktaUser {
  id: string;
  status: string;
  profile: {
    login?: string;
    email?: string;
    firstName?: string;
    lastName?: string;
    displayName?: string;
    department?: string;
    manager?: string;
    managerId?: string;
    timezone?: string;
  };
}

// Only ACTIVE (and the transitional password states) can work; SUSPENDED, DEPROVISIONED, LOCKED_OUT… cannot.
const WORKING = new Set(['ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY', 'LOCKED_OUT']);

/** The next page from an Okta `Link: <…>; rel="next"` header. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (match) return match[1];
  }
  return undefined;
}

/** Okta as a directory source: groups by name, members (paged by Link headers), user status. */
export function createOktaDirectory(config: OktaDirectoryConfig): DirectorySource {
  const fetcher = config.fetch ?? ((input, init) => fetch(input, init));
  const base = config.orgUrl.replace(/\/$/, '');
  const headers = { authorization: `SSWS ${config.token}`, accept: 'application/json' };

  async function paged<T>(first: string): Promise<T[]> {
    const items: T[] = [];
    let url: string | undefined = first;
    for (let page = 0; url && page < 1000; page += 1) {
      const { body, headers: h } = await fetchJson('Okta', fetcher, url, { headers });
      items.push(...((body as T[]) ?? []));
      url = nextLink(h.get('link'));
    }
    return items;
  }

  const toPerson = (user: OktaUser): DirectoryPerson | undefined => {
    const email = (user.profile.email ?? user.profile.login)?.toLowerCase();
    if (!email) return undefined;
    const name = user.profile.displayName ?? ([user.profile.firstName, user.profile.lastName].filter(Boolean).join(' ') || undefined);
    const manager = user.profile.manager?.includes('@') ? user.profile.manager.toLowerCase() : undefined;
    return {
      email,
      active: WORKING.has(user.status),
      objectId: user.id,
      ...(name ? { displayName: name } : {}),
      ...(user.profile.department ? { team: user.profile.department } : {}),
      ...(manager ? { manager } : {}),
      ...(user.profile.timezone ? { timeZone: user.profile.timezone } : {}),
    };
  };

  return {
    name: 'okta',
    async fetchGroups(refs) {
      const result = [];
      for (const ref of refs) {
        // q= is a prefix search; keep only the exact name.
        const candidates = await paged<{ id: string; profile: { name: string } }>(
          `${base}/api/v1/groups?q=${encodeURIComponent(ref.name)}&limit=200`,
        );
        const group =
          candidates.find((g) => g.profile.name === ref.name) ??
          candidates.find((g) => g.profile.name.toLowerCase() === ref.name.toLowerCase());
        if (!group) {
          result.push({ ref: ref.ref, found: false, members: [] });
          continue;
        }
        const users = await paged<OktaUser>(`${base}/api/v1/groups/${encodeURIComponent(group.id)}/users?limit=200`);
        const members = users.flatMap((u) => {
          const person = toPerson(u);
          return person ? [{ ...person, groups: [ref.ref] }] : [];
        });
        result.push({ ref: ref.ref, found: true, members });
      }
      return result;
    },
    async fetchPeople(emails) {
      const people: DirectoryPerson[] = [];
      for (const email of emails) {
        const filter = `profile.email eq "${email.replace(/"/g, '')}"`;
        // Deprovisioned users are only listed when asked for by status, so search rather than list.
        const users = await paged<OktaUser>(`${base}/api/v1/users?search=${encodeURIComponent(filter)}&limit=10`);
        for (const user of users) {
          const person = toPerson(user);
          if (person) people.push(person);
        }
      }
      return people;
    },
  };
}
