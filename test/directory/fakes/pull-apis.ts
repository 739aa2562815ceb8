import nock from 'nock';
import type { DirectorySource } from '../../../src/core/ports/directory.js';
import { createEntraDirectory } from '../../../src/directory/entra/index.js';
import { createOktaDirectory } from '../../../src/directory/okta/index.js';
import { createSlackDirectory } from '../../../src/directory/slack/index.js';

/**
 * Stateful fakes of the Slack Web API, Microsoft Graph and the Okta API (nock, answering realistic payloads
 * with paging), so the directory runtime can be driven through people leaving and sources failing.
 * `outage`: `down` answers every call with a 503; `timeout` has every call time out as the adapters' fetch
 * deadline does (the fakes sit behind the adapters' injectable fetch); `partial` answers the first page of the group's member
 * listing and garbles the second (no member list, a 404, an object instead of a list) while per-person
 * lookups answer normally: the case that must never read as people leaving.
 */
export type Outage = 'none' | 'down' | 'timeout' | 'partial';

interface FakePerson {
  id: string;
  email: string;
  /** Slack deleted, Entra accountEnabled false, Okta SUSPENDED. */
  deactivated: boolean;
  /** Still in the source (false: deleted from the workspace / tenant / org). */
  present: boolean;
  leaveDate?: string;
}

export interface PullFake {
  name: 'slack' | 'entra' | 'okta';
  /** The policy reference of the approver group the fake serves. */
  ref: string;
  source: DirectorySource;
  outage: Outage;
  /** How the source reports a deactivated person, for test names and messages. */
  deactivatedAs: string;
  add(email: string, inGroup?: boolean): void;
  deactivate(email: string): void;
  remove(email: string): void;
  setLeaveDate(email: string, iso: string): void;
  /** Calls the fake answered (method and path), to show paging happened. */
  calls: string[];
}

abstract class Base {
  people = new Map<string, FakePerson>();
  group = new Set<string>();
  outage: Outage = 'none';
  calls: string[] = [];
  private next = 1;

  add(email: string, inGroup = false) {
    const id = this.makeId(this.next++, email);
    this.people.set(email, { id, email, deactivated: false, present: true });
    if (inGroup) this.group.add(email);
  }
  deactivate(email: string) {
    this.person(email).deactivated = true;
  }
  remove(email: string) {
    this.person(email).present = false;
  }
  setLeaveDate(email: string, iso: string) {
    this.person(email).leaveDate = iso;
  }
  protected person(email: string): FakePerson {
    const person = this.people.get(email);
    if (!person) throw new Error(`the fake has no ${email}`);
    return person;
  }
  protected present(): FakePerson[] {
    return [...this.people.values()].filter((p) => p.present);
  }
  protected members(): FakePerson[] {
    return this.present().filter((p) => this.group.has(p.email));
  }
  protected abstract makeId(n: number, email: string): string;
}

const PAGE = 2;

class SlackFake extends Base {
  constructor(readonly base: string) {
    super();
  }
  protected makeId(n: number) {
    return `U0${String(n).padStart(7, '0')}`;
  }
  user(p: FakePerson) {
    const name = p.email.split('@')[0];
    return {
      id: p.id,
      team_id: 'T0KEYCARD',
      name,
      deleted: p.deactivated,
      is_bot: false,
      tz: 'Europe/Berlin',
      profile: { email: p.email, real_name: `${name} Example`, display_name: name },
    };
  }
  answer(url: URL): [number, unknown] {
    const method = url.pathname.split('/').pop() ?? '';
    this.calls.push(`${method}${url.searchParams.get('cursor') ? ` cursor=${url.searchParams.get('cursor')}` : ''}`);
    if (this.outage === 'down') return [503, 'upstream connect error'];
    if (method === 'usergroups.list')
      return [200, { ok: true, usergroups: [{ id: 'S0DBOWNERS', handle: 'db-owners', name: 'DB Owners', date_delete: 0 }] }];
    if (method === 'usergroups.users.list') return [200, { ok: true, users: this.members().map((p) => p.id) }];
    if (method === 'users.list') {
      const start = Number(url.searchParams.get('cursor')?.replace('page:', '') ?? 0);
      // A page that came back without its member list.
      if (start > 0 && this.outage === 'partial') return [200, { ok: true, response_metadata: { next_cursor: '' } }];
      const all = this.present();
      const next = start + PAGE < all.length ? `page:${start + PAGE}` : '';
      return [
        200,
        { ok: true, members: all.slice(start, start + PAGE).map((p) => this.user(p)), response_metadata: { next_cursor: next } },
      ];
    }
    if (method === 'users.lookupByEmail') {
      const person = this.people.get(url.searchParams.get('email') ?? '');
      return person?.present ? [200, { ok: true, user: this.user(person) }] : [200, { ok: false, error: 'users_not_found' }];
    }
    return [200, { ok: false, error: 'unknown_method' }];
  }
}

class EntraFake extends Base {
  static GROUP = '2c9a1b7e-3d4f-4a5b-8c6d-7e8f9a0b1c2d';
  protected makeId(n: number) {
    return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  }
  user(p: FakePerson) {
    return {
      '@odata.type': '#microsoft.graph.user',
      id: p.id,
      mail: p.email,
      userPrincipalName: p.email,
      displayName: p.email.split('@')[0],
      accountEnabled: !p.deactivated,
      department: 'Platform',
      employeeLeaveDateTime: p.leaveDate ?? null,
    };
  }
  answer(method: string, url: URL): [number, unknown] {
    this.calls.push(
      `${method} ${url.pathname}${url.searchParams.get('$skiptoken') ? ` skiptoken=${url.searchParams.get('$skiptoken')}` : ''}`,
    );
    if (this.outage === 'down') return [503, { error: { code: 'ServiceUnavailable', message: 'Service unavailable' } }];
    const notFound: [number, unknown] = [404, { error: { code: 'Request_ResourceNotFound', message: 'Resource does not exist.' } }];
    if (method === 'POST') return [200, { token_type: 'Bearer', expires_in: 3599, access_token: 'eyJ0eXAiOiJKV1Qi.fake.token' }];
    const path = decodeURIComponent(url.pathname);
    if (path === `/v1.0/groups/${EntraFake.GROUP}`) return [200, { id: EntraFake.GROUP, displayName: 'DB Owners' }];
    if (path === `/v1.0/groups/${EntraFake.GROUP}/transitiveMembers/microsoft.graph.user`) {
      const start = Number(url.searchParams.get('$skiptoken') ?? 0);
      // The next page's link went stale half-way through the listing.
      if (start > 0 && this.outage === 'partial') return notFound;
      const all = this.members();
      const next = new URL(url);
      next.searchParams.set('$skiptoken', String(start + PAGE));
      return [
        200,
        {
          '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users',
          value: all.slice(start, start + PAGE).map((p) => this.user(p)),
          ...(start + PAGE < all.length ? { '@odata.nextLink': next.toString() } : {}),
        },
      ];
    }
    if (path === '/v1.0/users') {
      const mail = /^mail eq '(.*)'$/.exec(url.searchParams.get('$filter') ?? '')?.[1];
      const person = mail ? this.people.get(mail) : undefined;
      return [200, { '@odata.context': 'x', value: person?.present ? [this.user(person)] : [] }];
    }
    const manager = /^\/v1\.0\/users\/([^/]+)\/manager$/.exec(path);
    if (manager) return notFound;
    const user = /^\/v1\.0\/users\/([^/]+)$/.exec(path);
    if (user) {
      const person = this.people.get(user[1] ?? '');
      return person?.present ? [200, this.user(person)] : notFound;
    }
    return notFound;
  }
}

class OktaFake extends Base {
  constructor(readonly org: string) {
    super();
  }
  protected makeId(n: number) {
    return `00u${String(n).padStart(17, '0')}`;
  }
  user(p: FakePerson) {
    const [first] = p.email.split('@');
    return {
      id: p.id,
      status: p.deactivated ? 'SUSPENDED' : 'ACTIVE',
      created: '2026-01-05T09:00:00.000Z',
      statusChanged: '2026-11-20T10:00:00.000Z',
      type: { id: 'oty1' },
      profile: { firstName: first, lastName: 'Example', login: p.email, email: p.email, department: 'Platform' },
      _links: { self: { href: `${this.org}/api/v1/users/${p.id}` } },
    };
  }
  answer(url: URL): [number, unknown, Record<string, string>?] {
    this.calls.push(`GET ${url.pathname}${url.searchParams.get('after') ? ` after=${url.searchParams.get('after')}` : ''}`);
    if (this.outage === 'down') return [503, { errorCode: 'E0000009', errorSummary: 'Internal Server Error' }];
    if (url.pathname === '/api/v1/groups')
      return [200, [{ id: '00g1dbowners', type: 'OKTA_GROUP', profile: { name: 'DB Owners', description: 'Production DB owners' } }]];
    if (url.pathname === '/api/v1/groups/00g1dbowners/users') {
      const start = Number(url.searchParams.get('after') ?? 0);
      // A page answered by something in between with an object instead of the list.
      if (start > 0 && this.outage === 'partial') return [200, { errorSummary: 'try again later' }];
      const all = this.members();
      const headers: Record<string, string> =
        start + PAGE < all.length
          ? { link: `<${this.org}/api/v1/groups/00g1dbowners/users?after=${start + PAGE}&limit=200>; rel="next"` }
          : {};
      return [200, all.slice(start, start + PAGE).map((p) => this.user(p)), headers];
    }
    if (url.pathname === '/api/v1/users') {
      const email = /^profile\.email eq "(.*)"$/.exec(url.searchParams.get('search') ?? '')?.[1];
      const person = email ? this.people.get(email) : undefined;
      return [200, person?.present ? [this.user(person)] : []];
    }
    return [404, { errorCode: 'E0000007', errorSummary: 'Not found' }];
  }
}

/** The adapters' fetch: the real one (nock answers it), or a deadline that passes while `timeout` is set. */
function fetchFor(fake: Base): typeof fetch {
  return (input, init) =>
    fake.outage === 'timeout'
      ? Promise.reject(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))
      : fetch(input, init);
}

function facade(name: PullFake['name'], ref: string, fake: Base, source: DirectorySource, deactivatedAs: string): PullFake {
  return {
    name,
    ref,
    source,
    deactivatedAs,
    get outage() {
      return fake.outage;
    },
    set outage(value: Outage) {
      fake.outage = value;
    },
    add: (email, inGroup) => fake.add(email, inGroup),
    deactivate: (email) => fake.deactivate(email),
    remove: (email) => fake.remove(email),
    setLeaveDate: (email, iso) => fake.setLeaveDate(email, iso),
    get calls() {
      return fake.calls;
    },
  };
}

export function slackFake(): PullFake {
  const fake = new SlackFake('https://slack.com');
  nock('https://slack.com')
    .persist()
    .get(() => true)
    .reply((uri) => fake.answer(new URL(uri, 'https://slack.com')));
  return facade(
    'slack',
    'slack:@db-owners',
    fake,
    createSlackDirectory({ token: 'xoxb-directory-test-token', fetch: fetchFor(fake) }),
    'deleted: true',
  );
}

export function entraFake(): PullFake {
  const fake = new EntraFake();
  nock('https://login.microsoftonline.com')
    .persist()
    .post(() => true)
    .reply((uri) => fake.answer('POST', new URL(uri, 'https://login.microsoftonline.com')));
  nock('https://graph.microsoft.com')
    .persist()
    .get(() => true)
    .reply((uri) => fake.answer('GET', new URL(uri, 'https://graph.microsoft.com')));
  const source = createEntraDirectory({
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    clientId: '0b1d5a8e-6c1f-4c53-9d8e-2f0e4f1b7a11',
    clientSecret: 'secret-value',
    leaveDates: true,
    fetch: fetchFor(fake),
  });
  return facade('entra', `entra:${EntraFake.GROUP}`, fake, source, 'accountEnabled: false');
}

export function oktaFake(): PullFake {
  const org = 'https://keycard-test.okta.com';
  const fake = new OktaFake(org);
  nock(org)
    .persist()
    .get(() => true)
    .reply((uri) => {
      const [status, body, headers] = fake.answer(new URL(uri, org));
      return [status, body, headers ?? {}];
    });
  return facade(
    'okta',
    'okta:DB Owners',
    fake,
    createOktaDirectory({ orgUrl: org, token: '00aBcDeFgHiJkLmNoPqRsTuVwXyZ', fetch: fetchFor(fake) }),
    'SUSPENDED',
  );
}
