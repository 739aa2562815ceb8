import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DirectoryStore, ScimGroup, ScimUser } from '../../core/ports/directory.js';
import type { Clock, IdSource, Logger } from '../../core/ports/runtime.js';
import { hasBearerToken } from './bearer.js';
import { parseFilter } from './scim-filter.js';
import { parseGroup, renderGroup } from './scim-group.js';
import { readJson, reply, replyError } from './scim-http.js';
import { parsePatch, patchGroup, patchUser } from './scim-patch.js';
import { LIST_SCHEMA, ScimProblem, SPC_SCHEMA } from './scim-schema.js';
import { parseUser, renderUser } from './scim-user.js';

export const SCIM_PREFIX = '/scim/v2';

/** One SCIM write, for the audit log and the directory's reaction (reload, leavers, membership audit). */
export interface ScimWrite {
  action:
    | 'scim.user.created'
    | 'scim.user.replaced'
    | 'scim.user.patched'
    | 'scim.user.deleted'
    | 'scim.group.created'
    | 'scim.group.replaced'
    | 'scim.group.patched'
    | 'scim.group.deleted';
  id: string;
  details: Record<string, unknown>;
}

export interface ScimRoutesOptions {
  store: () => DirectoryStore;
  /** KEYCARD_SCIM_TOKEN. */
  token: string;
  clock: Clock;
  ids: IdSource;
  log: Logger;
  /** Runs a write: snapshots approver-group membership before and after, audits, reloads the directory. */
  track<T>(write: () => Promise<T>, describe: (result: T) => ScimWrite | undefined): Promise<T>;
  bodyLimit?: number;
}

export interface ScimRoute {
  path: string;
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

const USER_FILTERS = ['userName', 'externalId', 'emails.value'] as const;
const GROUP_FILTERS = ['displayName', 'externalId'] as const;

function page<T>(items: T[], url: URL): { slice: T[]; startIndex: number; itemsPerPage: number } {
  const start = Math.max(1, Number.parseInt(url.searchParams.get('startIndex') ?? '1', 10) || 1);
  const countParam = url.searchParams.get('count');
  const count = countParam === null ? items.length : Math.max(0, Number.parseInt(countParam, 10) || 0);
  const slice = items.slice(start - 1, start - 1 + count);
  return { slice, startIndex: start, itemsPerPage: slice.length };
}

function list(res: ServerResponse, resources: Array<Record<string, unknown>>, total: number, startIndex: number): void {
  reply(res, 200, { schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources });
}

const serviceProviderConfig = {
  schemas: [SPC_SCHEMA],
  patch: { supported: true },
  bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
  filter: { supported: true, maxResults: 1000 },
  changePassword: { supported: false },
  sort: { supported: false },
  etag: { supported: false },
  authenticationSchemes: [
    { type: 'oauthbearertoken', name: 'Bearer token', description: 'KEYCARD_SCIM_TOKEN as a bearer token', primary: true },
  ],
};

/**
 * The SCIM 2.0 endpoint identity providers push to: /scim/v2/Users and /scim/v2/Groups (list with `eq` filters,
 * get, create, replace, PATCH as Okta and Entra send it, delete) and /scim/v2/ServiceProviderConfig.
 */
export function createScimRoutes(options: ScimRoutesOptions): ScimRoute[] {
  const limit = options.bodyLimit ?? 1024 * 1024;
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://keycard.local');
    const host = req.headers['x-forwarded-host'] ?? req.headers.host ?? 'localhost';
    const proto = req.headers['x-forwarded-proto'] ?? 'http';
    const base = `${proto}://${host}${SCIM_PREFIX}`;
    if (!hasBearerToken(req.headers.authorization, options.token)) {
      options.log.warn({ path: url.pathname, method: req.method }, 'scim request refused: bad or missing bearer token');
      return replyError(res, 401, 'a valid bearer token is required', undefined, { 'www-authenticate': 'Bearer realm="keycard-scim"' });
    }
    try {
      await dispatch(req, res, url, base);
    } catch (error) {
      if (error instanceof ScimProblem) return replyError(res, error.status, error.message, error.scimType);
      throw error;
    }
  };

  async function dispatch(req: IncomingMessage, res: ServerResponse, url: URL, base: string): Promise<void> {
    const rest = url.pathname.slice(SCIM_PREFIX.length).replace(/\/+$/, '');
    const [, collection, id, extra] = rest.split('/');
    const method = req.method ?? 'GET';
    if (extra !== undefined) throw new ScimProblem(404, undefined, `no resource at ${url.pathname}`);
    if (collection === 'ServiceProviderConfig' && !id && method === 'GET') return reply(res, 200, serviceProviderConfig);
    if (collection === 'Users') return id ? userById(req, res, method, decodeURIComponent(id), base) : users(req, res, method, url, base);
    if (collection === 'Groups')
      return id ? groupById(req, res, method, decodeURIComponent(id), base, url) : groups(req, res, method, url, base);
    throw new ScimProblem(404, undefined, `no resource at ${url.pathname}`);
  }

  const store = () => options.store();
  const now = () => options.clock.now();
  const notAllowed = (method: string) => new ScimProblem(405, undefined, `${method} is not supported here`);
  const userGone = (id: string) => new ScimProblem(404, undefined, `User ${id} not found`);
  const groupGone = (id: string) => new ScimProblem(404, undefined, `Group ${id} not found`);
  const conflict = (what: string) => new ScimProblem(409, 'uniqueness', `${what} already exists`);

  async function users(req: IncomingMessage, res: ServerResponse, method: string, url: URL, base: string) {
    if (method === 'GET') {
      const filter = parseFilter(url.searchParams.get('filter'), USER_FILTERS);
      let found: ScimUser[];
      if (filter?.attribute === 'userName') found = await store().listUsers({ userName: filter.value });
      else if (filter?.attribute === 'emails.value') found = await store().listUsers({ email: filter.value });
      else {
        found = await store().listUsers();
        if (filter) found = found.filter((u) => u.externalId === filter.value);
      }
      const { slice, startIndex } = page(found, url);
      return list(
        res,
        slice.map((u) => renderUser(u, base)),
        found.length,
        startIndex,
      );
    }
    if (method !== 'POST') throw notAllowed(method);
    const input = parseUser(await readJson(req, limit));
    const id = options.ids.uuid();
    const created = await options.track(
      () => store().insertUser(id, input, now()),
      (r) =>
        r === 'conflict' ? undefined : { action: 'scim.user.created', id, details: { userName: input.userName, active: input.active } },
    );
    if (created === 'conflict') throw conflict(`a user with userName "${input.userName}"`);
    reply(res, 201, renderUser(created, base), { location: `${base}/Users/${id}` });
  }

  async function userById(req: IncomingMessage, res: ServerResponse, method: string, id: string, base: string) {
    if (method === 'GET') {
      const user = await store().getUser(id);
      if (!user) throw userGone(id);
      return reply(res, 200, renderUser(user, base));
    }
    if (method === 'DELETE') {
      const existing = await store().getUser(id);
      const deleted = await options.track(
        () => store().deleteUser(id),
        (ok) =>
          ok && existing ? { action: 'scim.user.deleted', id, details: { userName: existing.userName, email: existing.email } } : undefined,
      );
      if (!deleted) throw userGone(id);
      res.writeHead(204);
      res.end();
      return;
    }
    if (method !== 'PUT' && method !== 'PATCH') throw notAllowed(method);
    const body = await readJson(req, limit);
    const existing = await store().getUser(id);
    if (!existing) throw userGone(id);
    const input =
      method === 'PUT'
        ? parseUser(body)
        : parseUser(patchUser({ ...existing.resource, userName: existing.userName, active: existing.active }, parsePatch(body)));
    const action = method === 'PUT' ? 'scim.user.replaced' : 'scim.user.patched';
    const updated = await options.track(
      () => store().replaceUser(id, input, now()),
      (r) =>
        r === 'conflict' || r === undefined
          ? undefined
          : {
              action,
              id,
              details: { userName: r.userName, active: r.active, ...(existing.active !== r.active ? { activeChanged: true } : {}) },
            },
    );
    if (updated === 'conflict') throw conflict(`a user with userName "${input.userName}"`);
    if (!updated) throw userGone(id);
    reply(res, 200, renderUser(updated, base));
  }

  async function groups(req: IncomingMessage, res: ServerResponse, method: string, url: URL, base: string) {
    const withMembers = !(url.searchParams.get('excludedAttributes') ?? '').toLowerCase().split(',').includes('members');
    if (method === 'GET') {
      const filter = parseFilter(url.searchParams.get('filter'), GROUP_FILTERS);
      let found: ScimGroup[];
      if (filter?.attribute === 'displayName') found = await store().listGroups({ displayName: filter.value });
      else {
        found = await store().listGroups();
        if (filter) found = found.filter((g) => g.externalId === filter.value);
      }
      const { slice, startIndex } = page(found, url);
      return list(
        res,
        slice.map((g) => renderGroup(g, base, { members: withMembers })),
        found.length,
        startIndex,
      );
    }
    if (method !== 'POST') throw notAllowed(method);
    const input = parseGroup(await readJson(req, limit));
    const id = options.ids.uuid();
    const created = await options.track(
      () => store().insertGroup(id, input, now()),
      (r) =>
        r === 'conflict'
          ? undefined
          : { action: 'scim.group.created', id, details: { displayName: input.displayName, members: r.memberIds.length } },
    );
    if (created === 'conflict') throw conflict(`a group named "${input.displayName}"`);
    reply(res, 201, renderGroup(created, base, { members: true }), { location: `${base}/Groups/${id}` });
  }

  async function groupById(req: IncomingMessage, res: ServerResponse, method: string, id: string, base: string, url: URL) {
    if (method === 'GET') {
      const group = await store().getGroup(id);
      if (!group) throw groupGone(id);
      const withMembers = !(url.searchParams.get('excludedAttributes') ?? '').toLowerCase().split(',').includes('members');
      return reply(res, 200, renderGroup(group, base, { members: withMembers }));
    }
    if (method === 'DELETE') {
      const deleted = await options.track(
        () => store().deleteGroup(id),
        (ok) => (ok ? { action: 'scim.group.deleted', id, details: {} } : undefined),
      );
      if (!deleted) throw groupGone(id);
      res.writeHead(204);
      res.end();
      return;
    }
    if (method !== 'PUT' && method !== 'PATCH') throw notAllowed(method);
    const body = await readJson(req, limit);
    const existing = await store().getGroup(id);
    if (!existing) throw groupGone(id);
    const input = method === 'PUT' ? parseGroup(body) : patchGroup(existing, parsePatch(body));
    const updated = await options.track(
      () => store().replaceGroup(id, input, now()),
      (r) =>
        r === 'conflict' || r === undefined
          ? undefined
          : {
              action: method === 'PUT' ? 'scim.group.replaced' : 'scim.group.patched',
              id,
              details: { displayName: r.displayName, members: r.memberIds.length },
            },
    );
    if (updated === 'conflict') throw conflict(`a group named "${input.displayName}"`);
    if (!updated) throw groupGone(id);
    // Entra expects 204 for a PATCH without attributes requested; a 200 with the resource is valid SCIM and Okta reads it.
    reply(res, 200, renderGroup(updated, base, { members: true }));
  }

  return [{ path: SCIM_PREFIX, handler }];
}
