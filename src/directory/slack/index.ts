import type { DirectoryPerson, DirectorySource, PeopleAnswer } from '../../core/ports/directory.js';
import { DirectoryError, type FetchLike, fetchJson } from '../errors.js';

export interface SlackDirectoryConfig {
  /** Bot token with usergroups:read, users:read and users:read.email. */
  token: string;
  fetch?: FetchLike;
  /** Default https://slack.com/api. */
  apiUrl?: string;
}

interface SlackUser {
  id: string;
  deleted?: boolean;
  is_bot?: boolean;
  tz?: string;
  profile?: { email?: string; real_name?: string; display_name?: string; title?: string };
}

const MAX_PAGES = 500;

const AUTH_ERRORS = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired']);

/** Slack user groups as a directory source: usergroups.list, usergroups.users.list, users.list (paged) and users.lookupByEmail. */
export function createSlackDirectory(config: SlackDirectoryConfig): DirectorySource {
  const fetcher = config.fetch ?? ((input, init) => fetch(input, init));
  const base = (config.apiUrl ?? 'https://slack.com/api').replace(/\/$/, '');

  async function call(method: string, params: Record<string, string>): Promise<Record<string, unknown>> {
    const query = new URLSearchParams(params).toString();
    const { body } = await fetchJson('Slack', fetcher, `${base}/${method}${query ? `?${query}` : ''}`, {
      headers: { authorization: `Bearer ${config.token}` },
    });
    const answer = body as Record<string, unknown>;
    if (answer.ok === true) return answer;
    const error = String(answer.error ?? 'unknown_error');
    if (AUTH_ERRORS.has(error))
      throw new DirectoryError('directory_auth_failed', `Slack ${method}: ${error} (check KEYCARD_DIRECTORY_SLACK_TOKEN)`);
    if (error === 'missing_scope')
      throw new DirectoryError(
        'directory_forbidden',
        `Slack ${method}: missing_scope (the app needs ${String(answer.needed ?? 'usergroups:read, users:read, users:read.email')})`,
      );
    if (error === 'ratelimited') throw new DirectoryError('directory_rate_limited', `Slack ${method}: rate limited`);
    if (error === 'users_not_found' || error === 'user_not_found') return answer;
    throw new DirectoryError('directory_bad_response', `Slack ${method}: ${error}`);
  }

  const toPerson = (user: SlackUser): DirectoryPerson | undefined => {
    const email = user.profile?.email?.trim().toLowerCase();
    if (!email || user.is_bot) return undefined;
    const displayName = user.profile?.real_name || user.profile?.display_name;
    return {
      email,
      active: user.deleted !== true,
      objectId: user.id,
      ...(displayName ? { displayName } : {}),
      ...(user.tz ? { timeZone: user.tz } : {}),
    };
  };

  /**
   * Every workspace member, by id (one users.list call per 200 people, rather than one users.info per member).
   * Only a listing read to its last page counts: a page without a member list, or more pages than any
   * workspace has, throws (a partial listing must never look like people leaving a group).
   */
  async function allUsers(): Promise<Map<string, SlackUser>> {
    const users = new Map<string, SlackUser>();
    let cursor = '';
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const answer = await call('users.list', { limit: '200', ...(cursor ? { cursor } : {}) });
      if (!Array.isArray(answer.members))
        throw new DirectoryError('directory_bad_response', 'Slack users.list: a page without a member list');
      for (const member of answer.members as SlackUser[]) users.set(member.id, member);
      cursor = String((answer.response_metadata as { next_cursor?: string } | undefined)?.next_cursor ?? '');
      if (!cursor) return users;
    }
    throw new DirectoryError('directory_bad_response', `Slack users.list: still more pages after ${MAX_PAGES}; the listing is incomplete`);
  }

  return {
    name: 'slack',
    async fetchGroups(refs) {
      if (refs.length === 0) return [];
      const groups = ((await call('usergroups.list', { include_disabled: 'false' })).usergroups as Array<Record<string, unknown>>) ?? [];
      const users = await allUsers();
      const result = [];
      for (const ref of refs) {
        const group = groups.find((g) => String(g.handle ?? '').toLowerCase() === ref.name.toLowerCase());
        if (!group || Number(group.date_delete ?? 0) > 0) {
          result.push({ ref: ref.ref, found: false, members: [] });
          continue;
        }
        const ids = ((await call('usergroups.users.list', { usergroup: String(group.id) })).users as string[] | undefined) ?? [];
        const members = ids.flatMap((id) => {
          const user = users.get(id);
          const person = user ? toPerson(user) : undefined;
          return person ? [{ ...person, groups: [ref.ref] }] : [];
        });
        result.push({ ref: ref.ref, found: true, members });
      }
      return result;
    },
    async fetchPeople(emails) {
      const result: PeopleAnswer = { found: [], notFound: [] };
      for (const email of emails) {
        const answer = await call('users.lookupByEmail', { email });
        // Slack's explicit "no such person" (gone from the workspace); any other failure has thrown already.
        if (answer.ok !== true) {
          result.notFound.push(email.toLowerCase());
          continue;
        }
        const person = answer.user ? toPerson(answer.user as SlackUser) : undefined;
        if (person) result.found.push(person);
      }
      return result;
    },
  };
}
