import type { DirectoryReference, DirectorySourceName } from '../directory/references.js';
import type { PersonAttributes } from './person.js';

export type { DirectoryReference, DirectorySourceName } from '../directory/references.js';

/** A person as one source describes them: the shared attributes plus the source's own id for them. */
export interface DirectoryPerson extends PersonAttributes {
  /** Entra object id (what Teams carries as aadObjectId), Okta user id, Slack user id or SCIM id. */
  objectId?: string;
}

/** The members of one directory group, each with what the source says about them. */
export interface GroupMembers {
  ref: string;
  /** False when the source has no such group (a typo in the policy, or the group was deleted). */
  found: boolean;
  members: DirectoryPerson[];
}

/**
 * One directory source (Slack user groups, Microsoft Entra ID, Okta, SCIM pushes). Adapters throw a
 * `DirectoryError` (with a stable code) when the source cannot be reached or refuses; the runtime then keeps
 * the last known membership for a bounded time.
 */
export interface DirectorySource {
  readonly name: DirectorySourceName;
  /** Members of the referenced groups (transitive where the source nests groups), with their attributes. */
  fetchGroups(groups: readonly DirectoryReference[]): Promise<GroupMembers[]>;
  /**
   * What the source says about these people (requesters with open requests or grants), by e-mail. Throws
   * on any error, timeout or incomplete answer; `notFound` lists only e-mails the source explicitly answered
   * it does not have (so the runtime can tell a person removed from the source from a source outage).
   */
  fetchPeople(emails: readonly string[]): Promise<PeopleAnswer>;
}

/** One source's answer about a list of e-mails. */
export interface PeopleAnswer {
  /** People the source has, active or not. */
  found: DirectoryPerson[];
  /** Lower-case e-mails the source explicitly does not have (a 404 confirmed by a search, users_not_found, an empty search). */
  notFound: string[];
}

export type PersonLookup =
  | { status: 'found'; person: PersonAttributes }
  | { status: 'unknown' }
  /** No source could answer; nothing is assumed about the person. */
  | { status: 'unavailable'; message: string };

/** What core asks the directory: synchronously from the last resolved snapshot, or (identity checks) the sources on a miss. */
export interface Directory {
  /** True when at least one directory source is configured (the zero-setup console has none). */
  readonly configured: boolean;
  /** What Keycard knows about a person: the directory's record, or (policy only) their policy groups. */
  person(email: string): PersonAttributes | undefined;
  /** The person, asking the sources when the snapshot does not know them (a chat user acting for the first time). */
  lookup(email: string): Promise<PersonLookup>;
  /** The e-mail of the directory person with this Entra object id (Teams users carry it), if known. */
  emailOfObjectId(objectId: string): string | undefined;
}

/** A person as a SCIM client (Okta, Entra provisioning) pushed them; `id` is Keycard's. */
export interface ScimUser {
  id: string;
  userName: string;
  externalId: string | null;
  /** Lower-case primary e-mail (or the userName when it is an e-mail). */
  email: string;
  active: boolean;
  displayName: string | null;
  department: string | null;
  /** The manager's id as the client sent it (enterprise extension `manager.value`). */
  manager: string | null;
  /** The whole resource as last written, returned on GET (minus what Keycard computes). */
  resource: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface ScimGroup {
  id: string;
  displayName: string;
  externalId: string | null;
  memberIds: string[];
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export type ScimUserInput = Omit<ScimUser, 'id' | 'createdAt' | 'updatedAt' | 'version'>;
export type ScimGroupInput = Omit<ScimGroup, 'id' | 'createdAt' | 'updatedAt' | 'version'>;

/** Keycard's tables for what identity providers push over SCIM. Unique userName / displayName conflicts return 'conflict'. */
export interface DirectoryStore {
  listUsers(filter?: { userName?: string; email?: string }): Promise<ScimUser[]>;
  getUser(id: string): Promise<ScimUser | undefined>;
  insertUser(id: string, user: ScimUserInput, now: Date): Promise<ScimUser | 'conflict'>;
  replaceUser(id: string, user: ScimUserInput, now: Date): Promise<ScimUser | 'conflict' | undefined>;
  deleteUser(id: string): Promise<boolean>;
  listGroups(filter?: { displayName?: string }): Promise<ScimGroup[]>;
  getGroup(id: string): Promise<ScimGroup | undefined>;
  insertGroup(id: string, group: ScimGroupInput, now: Date): Promise<ScimGroup | 'conflict'>;
  replaceGroup(id: string, group: ScimGroupInput, now: Date): Promise<ScimGroup | 'conflict' | undefined>;
  deleteGroup(id: string): Promise<boolean>;
}

/** One source's last successful fetch, as kept in the database (state `directory`, key = source name). */
export interface SourceSnapshot {
  source: DirectorySourceName;
  fetchedAt: Date;
  groups: GroupMembers[];
  people: DirectoryPerson[];
  /**
   * E-mails this source knew (in its previous snapshot) that a complete, successful answer no longer has:
   * removed from the source, so treated as leavers. Never filled from a failed or partial refresh.
   */
  removed: string[];
}

/** How a source's refreshes are going, for logs, metrics and /readyz detail. */
export interface SourceStatus {
  source: DirectorySourceName;
  /** fresh: last refresh worked; stale: failing, last known membership kept; expired: failing too long, membership dropped. */
  state: 'fresh' | 'stale' | 'expired' | 'never';
  lastSuccessAt: Date | null;
  lastError: string | null;
  /** Until when the last known membership is trusted. */
  keepUntil: Date | null;
}

/** Told about every refresh attempt (the metrics module implements it). */
export interface DirectoryObserver {
  refreshed(source: DirectorySourceName, outcome: 'ok' | 'error'): void;
  status(statuses: readonly SourceStatus[]): void;
}
