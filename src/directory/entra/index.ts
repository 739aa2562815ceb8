import type { DirectoryPerson, DirectorySource, PeopleAnswer } from '../../core/ports/directory.js';
import { DirectoryError, type FetchLike, fetchJson } from '../errors.js';

export interface EntraDirectoryConfig {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Read employeeLeaveDateTime (needs the User-LifeCycleInfo.Read.All application permission as well). */
  leaveDates?: boolean;
  fetch?: FetchLike;
  /** Defaults: https://graph.microsoft.com and https://login.microsoftonline.com. */
  graphUrl?: string;
  loginUrl?: string;
  clock?: () => number;
}

interface GraphUser {
  id: string;
  mail?: string | null;
  userPrincipalName?: string | null;
  displayName?: string | null;
  accountEnabled?: boolean | null;
  department?: string | null;
  employeeLeaveDateTime?: string | null;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;
const MAX_PAGES = 1000;

/** Microsoft Entra ID through Microsoft Graph: client-credentials token, groups by object id, transitive members, paged by @odata.nextLink. */
export function createEntraDirectory(config: EntraDirectoryConfig): DirectorySource {
  const fetcher = config.fetch ?? ((input, init) => fetch(input, init));
  const graph = (config.graphUrl ?? 'https://graph.microsoft.com').replace(/\/$/, '');
  const login = (config.loginUrl ?? 'https://login.microsoftonline.com').replace(/\/$/, '');
  const now = config.clock ?? Date.now;
  const select = [
    'id',
    'mail',
    'userPrincipalName',
    'displayName',
    'accountEnabled',
    'department',
    ...(config.leaveDates ? ['employeeLeaveDateTime'] : []),
  ].join(',');
  let token: { value: string; until: number } | undefined;

  async function accessToken(): Promise<string> {
    if (token && token.until > now()) return token.value;
    const form = new URLSearchParams({
      client_id: config.clientId,
      client_secret: config.clientSecret,
      scope: `${graph}/.default`,
      grant_type: 'client_credentials',
    });
    const { body } = await fetchJson(
      'Microsoft Entra ID (token)',
      fetcher,
      `${login}/${encodeURIComponent(config.tenantId)}/oauth2/v2.0/token`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      },
    ).catch((error: unknown) => {
      // A wrong secret or client id answers 400/401 with invalid_client: that is an authentication problem.
      if (error instanceof DirectoryError && error.code === 'directory_bad_response')
        throw new DirectoryError(
          'directory_auth_failed',
          `${error.message} (check KEYCARD_ENTRA_CLIENT_ID and KEYCARD_ENTRA_CLIENT_SECRET)`,
        );
      throw error;
    });
    const answer = body as { access_token?: string; expires_in?: number };
    if (!answer.access_token) throw new DirectoryError('directory_bad_response', 'Microsoft Entra ID returned no access token');
    token = { value: answer.access_token, until: now() + Math.max(60, (answer.expires_in ?? 3600) - 120) * 1000 };
    return token.value;
  }

  async function get(url: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { body } = await fetchJson('Microsoft Graph', fetcher, url, {
        headers: { authorization: `Bearer ${await accessToken()}`, accept: 'application/json', ConsistencyLevel: 'eventual' },
      });
      return body as Record<string, unknown>;
    } catch (error) {
      if (error instanceof DirectoryError && / answered 404/.test(error.message)) return undefined;
      throw error;
    }
  }

  /** Every page of a listing; a page that fails, vanishes (404) or has no `value` throws, so a partial list never counts. */
  async function paged(first: string): Promise<GraphUser[]> {
    const items: GraphUser[] = [];
    let url: string | undefined = first;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const body = await get(url);
      if (!body || !Array.isArray(body.value))
        throw new DirectoryError(
          'directory_bad_response',
          `Microsoft Graph: page ${page + 1} of a listing ${body ? 'has no value' : 'answered 404'}`,
        );
      items.push(...(body.value as GraphUser[]));
      url = typeof body['@odata.nextLink'] === 'string' ? body['@odata.nextLink'] : undefined;
      if (!url) return items;
    }
    throw new DirectoryError('directory_bad_response', `Microsoft Graph: still more pages after ${MAX_PAGES}; the listing is incomplete`);
  }

  /**
   * The user with this e-mail: by user principal name first, then (a 404 there) by a `mail` search, since mail
   * and UPN differ in many tenants. Undefined only when the search answered with no match: Graph's explicit
   * "no such user" (deleted, or never there), never a bare 404 from something in between.
   */
  async function findUser(email: string): Promise<GraphUser | undefined> {
    const direct = (await get(`${graph}/v1.0/users/${encodeURIComponent(email)}?$select=${select}`)) as GraphUser | undefined;
    if (direct?.id) return direct;
    const filter = `mail eq '${email.replace(/'/g, "''")}'`;
    const search = await get(`${graph}/v1.0/users?$filter=${encodeURIComponent(filter)}&$select=${select}`);
    if (!search || !Array.isArray(search.value))
      throw new DirectoryError('directory_bad_response', 'Microsoft Graph: a user search answered without a value list');
    return (search.value as GraphUser[]).find((u) => u.id);
  }

  const emailOf = (user: { mail?: string | null; userPrincipalName?: string | null }) => {
    for (const candidate of [user.mail, user.userPrincipalName]) {
      const value = candidate?.trim().toLowerCase();
      if (value && EMAIL_RE.test(value)) return value;
    }
    return undefined;
  };

  const toPerson = (user: GraphUser, manager?: string): DirectoryPerson | undefined => {
    const email = emailOf(user);
    if (!email) return undefined;
    const leave = user.employeeLeaveDateTime ? new Date(user.employeeLeaveDateTime) : undefined;
    return {
      email,
      active: user.accountEnabled !== false,
      objectId: user.id,
      ...(user.displayName ? { displayName: user.displayName } : {}),
      ...(user.department ? { team: user.department } : {}),
      ...(manager ? { manager } : {}),
      ...(leave && !Number.isNaN(leave.getTime()) ? { leaveDate: leave } : {}),
    };
  };

  return {
    name: 'entra',
    async fetchGroups(refs) {
      const result = [];
      for (const ref of refs) {
        const group = await get(`${graph}/v1.0/groups/${encodeURIComponent(ref.name)}?$select=id,displayName`);
        if (!group) {
          result.push({ ref: ref.ref, found: false, members: [] });
          continue;
        }
        const users = await paged(
          `${graph}/v1.0/groups/${encodeURIComponent(ref.name)}/transitiveMembers/microsoft.graph.user?$select=${select}&$top=999`,
        );
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
        const user = await findUser(email);
        if (!user) {
          result.notFound.push(email.toLowerCase());
          continue;
        }
        const manager = await get(`${graph}/v1.0/users/${encodeURIComponent(user.id)}/manager?$select=mail,userPrincipalName`);
        const person = toPerson(user, manager ? emailOf(manager as { mail?: string; userPrincipalName?: string }) : undefined);
        // Keyed by the e-mail asked about (found by UPN or by mail), so the answer is about that person.
        if (person) result.found.push({ ...person, email: email.toLowerCase() });
      }
      return result;
    },
  };
}
