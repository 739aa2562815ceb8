import type { DirectoryPerson, DirectorySource, DirectoryStore, ScimUser } from '../../core/ports/directory.js';

function toPerson(user: ScimUser, managers: Map<string, string>): DirectoryPerson {
  const manager = user.manager
    ? (managers.get(user.manager) ?? (user.manager.includes('@') ? user.manager.toLowerCase() : undefined))
    : undefined;
  return {
    email: user.email,
    active: user.active,
    objectId: user.externalId ?? user.id,
    ...(user.displayName ? { displayName: user.displayName } : {}),
    ...(user.department ? { team: user.department } : {}),
    ...(manager ? { manager } : {}),
  };
}

/** The SCIM source: what identity providers pushed, read from Keycard's own tables (always current). */
export function createScimSource(store: () => DirectoryStore): DirectorySource {
  // Managers arrive as SCIM ids (or the IdP's external ids); map both to e-mails.
  const managerEmails = (users: ScimUser[]) => {
    const map = new Map<string, string>();
    for (const user of users) {
      map.set(user.id, user.email);
      if (user.externalId) map.set(user.externalId, user.email);
    }
    return map;
  };
  return {
    name: 'scim',
    async fetchGroups(refs) {
      if (refs.length === 0) return [];
      const users = await store().listUsers();
      const byId = new Map(users.map((u) => [u.id, u]));
      const managers = managerEmails(users);
      return Promise.all(
        refs.map(async (ref) => {
          const [group] = await store().listGroups({ displayName: ref.name });
          if (!group) return { ref: ref.ref, found: false, members: [] };
          const members = group.memberIds.flatMap((id) => {
            const user = byId.get(id);
            return user ? [{ ...toPerson(user, managers), groups: [ref.ref] }] : [];
          });
          return { ref: ref.ref, found: true, members };
        }),
      );
    },
    async fetchPeople(emails) {
      if (emails.length === 0) return { found: [], notFound: [] };
      const wanted = new Set(emails.map((e) => e.toLowerCase()));
      const users = await store().listUsers();
      const managers = managerEmails(users);
      const found = users.filter((u) => wanted.has(u.email)).map((u) => toPerson(u, managers));
      const have = new Set(found.map((p) => p.email));
      return { found, notFound: [...wanted].filter((email) => !have.has(email)) };
    },
  };
}
