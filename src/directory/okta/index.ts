import type { DirectoryPerson, DirectorySource, PeopleAnswer } from '../../core/ports/directory.js';
import { DirectoryError, type FetchLike, fetchJson } from '../errors.js';

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

const MAX_PAGES = 1000;

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

  /** Every page, following Link headers; a page that is not a list, or more pages than any org has, throws (never a partial list). */
  async function paged<T>(first: string): Promise<T[]> {
    const items: T[] = [];
    let url: string | undefined = first;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const { body, headers: h } = await fetchJson('Okta', fetcher, url, { headers });
      if (!Array.isArray(body)) throw new DirectoryError('directory_bad_response', `Okta: page ${page + 1} of a listing is not a list`);
      items.push(...(body as T[]));
      url = nextLink(h.get('link'));
      if (!url) return items;
    }
    throw new DirectoryError('directory_bad_response', `Okta: still more pages after ${MAX_PAGES}; the listing is incomplete`);
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
      const result: PeopleAnswer = { found: [], notFound: [] };
      for (const email of emails) {
        const filter = `profile.email eq "${email.replace(/"/g, '')}"`;
        // Deprovisioned users are only listed when asked for by status, so search rather than list.
        const users = await paged<OktaUser>(`${base}/api/v1/users?search=${encodeURIComponent(filter)}&limit=10`);
        // A deleted user is no longer returned at all: Okta's explicit "no such person".
        if (users.length === 0) {
          result.notFound.push(email.toLowerCase());
          continue;
        }
        // A rehire can have an old deprovisioned account next to the working one: the working one answers.
        const people = users.flatMap((user) => toPerson(user) ?? []);
        const person = people.find((p) => p.active) ?? people[0];
        if (person) result.found.push({ ...person, email: email.toLowerCase() });
      }
      return result;
    },
  };
}
