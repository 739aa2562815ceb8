import { enforceLeavers, LEAVER_STATUSES, type OffboardReport, offboard } from '../core/directory/leavers.js';
import { activeMembers, diffMembership } from '../core/directory/membership-diff.js';
import { describeLeaver } from '../core/directory/people.js';
import {
  approverGroupEntries,
  policyReferences,
  type ResolvedDirectory,
  resolveDirectory,
  type SourceHealth,
} from '../core/directory/resolve.js';
import type { CoreDeps } from '../core/lifecycle/deps.js';
import type { Policy } from '../core/policy/schema.js';
import type { Directory, DirectoryObserver, DirectorySource, PersonLookup, SourceSnapshot, SourceStatus } from '../core/ports/directory.js';
import type { PersonAttributes } from '../core/ports/person.js';
import type { Clock, Logger } from '../core/ports/runtime.js';
import type { StateStore } from '../core/ports/state.js';
import type { Store } from '../core/ports/store.js';
import { removedPeople } from './removals.js';
import { decodeSnapshot, decodeStatus, encodeSnapshot, SNAPSHOT_NAMESPACE, STATUS_NAMESPACE } from './snapshot-codec.js';

export interface DirectoryRuntimeOptions {
  /** Configured sources; `scim` (if present) is a push source read from Keycard's own tables on every reload. */
  sources: readonly DirectorySource[];
  store: Pick<Store, 'state' | 'listRequests' | 'transaction'>;
  /** The policy as loaded (directory references unresolved). */
  policy: () => Policy;
  clock: Clock;
  log: Logger;
  observer?: DirectoryObserver;
  /** Keep a failing source's last known membership this long after its last success, then resolve it to nobody. */
  maxStalenessMs: number;
  /** A looked-up unknown e-mail is asked again after this long. */
  negativeCacheMs?: number;
  /** How often pull sources are asked again. */
  refreshIntervalMs: number;
}

export interface DirectoryRuntime {
  /** For CoreDeps.directory. */
  readonly directory: Directory;
  /** For CoreDeps.policy: the policy with directory groups resolved and leavers removed. */
  policy(): Policy;
  /** Re-reads the stored snapshots (and SCIM tables) and resolves them; cheap, every replica runs it often. */
  reload(): Promise<void>;
  /** Asks every pull source again, stores good snapshots, audits approver-group changes; the caller holds the lease. */
  refresh(): Promise<void>;
  /** Offboards everyone with an open request or grant whom the directory reports as gone. */
  enforce(deps: CoreDeps): Promise<OffboardReport>;
  statuses(): SourceStatus[];
  /** /readyz detail: one line per source. */
  readinessDetail(): Record<string, string>;
  /** Gives the runtime the built core, so pushes and refreshes can offboard leavers. */
  attach(deps: CoreDeps): void;
  /**
   * Runs one SCIM write: audits it with the approver-group membership it changed, reloads, and offboards
   * leavers in the background (so the identity provider gets its answer at once).
   */
  track<T>(write: () => Promise<T>, describe: (result: T) => TrackedWrite | undefined): Promise<T>;
  /** Reload + leaver sweep on every replica; pull refresh when due, on one replica at a time under a lease. */
  tick(holder: string): Promise<void>;
  /** Resolves once background offboarding started so far has finished. */
  drain(): Promise<void>;
}

export interface TrackedWrite {
  action: string;
  id: string;
  details: Record<string, unknown>;
}

const REFRESH_LEASE = 'directory-refresh';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The directory of a running Keycard: snapshots in the database, one resolved view in memory per replica. */
export function createDirectoryRuntime(options: DirectoryRuntimeOptions): DirectoryRuntime {
  const { store, clock, log } = options;
  const state: StateStore = store.state;
  const pull = options.sources.filter((s) => s.name !== 'scim');
  const scim = options.sources.find((s) => s.name === 'scim');
  const negativeMs = options.negativeCacheMs ?? 5 * 60_000;
  let resolved: ResolvedDirectory = resolveDirectory(options.policy(), [], [], clock.now(), options.maxStalenessMs);
  let objectIds = new Map<string, string>();
  const lookedUp = new Map<string, { person: PersonAttributes | undefined; at: number }>();
  let lastStates = new Map<string, SourceStatus['state']>();
  let deps: CoreDeps | undefined;
  const background = new Set<Promise<unknown>>();
  let lastRefreshAt = 0;
  const refreshIntervalMs = options.refreshIntervalMs;

  const inBackground = (what: string, work: Promise<unknown>) => {
    const run = work.catch((error: unknown) => log.error({ job: what, err: message(error) }, 'directory job failed'));
    background.add(run);
    void run.finally(() => background.delete(run));
  };

  async function watchedScim(policy: Policy): Promise<{ refs: Set<string>; members: Map<string, string[]> }> {
    const approvers = approverGroupEntries(policy);
    const refs = policyReferences(policy).filter((r) => r.source === 'scim' && approvers.has(r.ref));
    if (!scim || refs.length === 0) return { refs: new Set(), members: new Map() };
    return { refs: new Set(refs.map((r) => r.ref)), members: activeMembers(await scim.fetchGroups(refs)) };
  }

  const openRequesters = async () =>
    [...new Set((await store.listRequests({ statuses: [...LEAVER_STATUSES] })).map((r) => r.requester))].sort();

  async function readScim(policy: Policy, emails: readonly string[]): Promise<SourceSnapshot | undefined> {
    if (!scim) return undefined;
    const refs = policyReferences(policy).filter((r) => r.source === 'scim');
    const [groups, people] = await Promise.all([scim.fetchGroups(refs), scim.fetchPeople(emails)]);
    // A SCIM DELETE offboards at once (track); the tables hold no trace of the person to remember afterwards.
    return { source: 'scim', fetchedAt: clock.now(), groups, people: people.found, removed: [] };
  }

  function noteStates(statuses: readonly SourceStatus[]) {
    const next = new Map(statuses.map((s) => [s.source, s.state]));
    for (const status of statuses) {
      if (lastStates.get(status.source) === status.state) continue;
      const fields = {
        source: status.source,
        state: status.state,
        lastError: status.lastError,
        keepUntil: status.keepUntil?.toISOString(),
      };
      if (status.state === 'stale') log.warn(fields, 'directory source failing: keeping its last known membership');
      else if (status.state === 'expired') log.error(fields, 'directory source failing too long: its groups now resolve to nobody');
      else if (status.state === 'never') log.warn(fields, 'directory source has no membership yet: its groups resolve to nobody');
      else if (lastStates.has(status.source)) log.info(fields, 'directory source recovered');
    }
    lastStates = next;
  }

  async function reload(): Promise<void> {
    const policy = options.policy();
    const snapshots: SourceSnapshot[] = [];
    const health: SourceHealth[] = [];
    for (const source of pull) {
      const snapshot = decodeSnapshot(source.name, await state.get(SNAPSHOT_NAMESPACE, source.name));
      if (snapshot) snapshots.push(snapshot);
      health.push({ source: source.name, lastError: decodeStatus(await state.get(STATUS_NAMESPACE, source.name)).lastError, push: false });
    }
    if (scim) {
      try {
        const snapshot = await readScim(policy, [...new Set([...(await openRequesters()), ...lookedUp.keys()])]);
        if (snapshot) snapshots.push(snapshot);
        health.push({ source: 'scim', lastError: null, push: true });
      } catch (error) {
        health.push({ source: 'scim', lastError: message(error), push: true });
      }
    }
    const next = resolveDirectory(policy, snapshots, health, clock.now(), options.maxStalenessMs);
    const ids = new Map<string, string>();
    for (const snapshot of snapshots) for (const person of snapshot.people) if (person.objectId) ids.set(person.objectId, person.email);
    for (const snapshot of snapshots)
      for (const group of snapshot.groups) for (const person of group.members) if (person.objectId) ids.set(person.objectId, person.email);
    resolved = next;
    objectIds = ids;
    noteStates(next.statuses);
    options.observer?.status(next.statuses);
  }

  async function refreshSource(source: DirectorySource, policy: Policy, emails: readonly string[]): Promise<void> {
    const now = clock.now();
    const refs = policyReferences(policy).filter((r) => r.source === source.name);
    let snapshot: SourceSnapshot;
    const previous = decodeSnapshot(source.name, await state.get(SNAPSHOT_NAMESPACE, source.name));
    try {
      const [groups, people] = await Promise.all([source.fetchGroups(refs), source.fetchPeople(emails)]);
      const removed = removedPeople(source.name, previous, people, groups);
      snapshot = { source: source.name, fetchedAt: now, groups, people: people.found, removed };
    } catch (error) {
      options.observer?.refreshed(source.name, 'error');
      log.warn({ source: source.name, err: message(error) }, 'directory refresh failed');
      await state.put(STATUS_NAMESPACE, source.name, { lastError: message(error), at: now.toISOString() });
      return;
    }
    const newlyRemoved = snapshot.removed.filter((email) => !previous?.removed.includes(email));
    if (newlyRemoved.length > 0)
      log.warn({ source: source.name, people: newlyRemoved }, 'people no longer in the directory source: treated as leavers');
    options.observer?.refreshed(source.name, 'ok');
    for (const group of snapshot.groups.filter((g) => !g.found))
      log.warn({ source: source.name, group: group.ref }, 'directory group not found: it resolves to nobody');
    const changes = previous
      ? diffMembership(activeMembers(previous.groups), activeMembers(snapshot.groups), approverGroupEntries(policy))
      : [];
    await store.transaction(async (tx) => {
      for (const change of changes)
        tx.appendAudit({
          at: now,
          actor: `directory:${source.name}`,
          action: 'directory.membership_changed',
          requestId: null,
          details: { group: change.group, added: change.added, removed: change.removed },
        });
    });
    await state.put(SNAPSHOT_NAMESPACE, source.name, encodeSnapshot(snapshot));
    await state.put(STATUS_NAMESPACE, source.name, { lastError: null, at: now.toISOString() });
  }

  async function enforce(core: CoreDeps): Promise<OffboardReport> {
    const now = clock.now();
    return enforceLeavers(core, (email) => {
      const person = resolved.people.get(email);
      const leaving = person ? describeLeaver(person, now) : undefined;
      return leaving ? { reason: leaving.reason, actor: `directory:${leaving.source}` } : undefined;
    });
  }

  async function refresh(): Promise<void> {
    const policy = options.policy();
    const emails = [...new Set([...(await openRequesters()), ...lookedUp.keys()])];
    for (const source of pull) await refreshSource(source, policy, emails);
    await reload();
  }

  const directory: Directory = {
    configured: options.sources.length > 0,
    person(email) {
      const lower = email.toLowerCase();
      return resolved.people.get(lower) ?? lookedUp.get(lower)?.person;
    },
    async lookup(email) {
      const lower = email.toLowerCase();
      const known = resolved.people.get(lower);
      if (known) return { status: 'found', person: known };
      const cached = lookedUp.get(lower);
      if (cached && clock.now().getTime() - cached.at < negativeMs)
        return cached.person ? { status: 'found', person: cached.person } : { status: 'unknown' };
      const answers = await Promise.allSettled(options.sources.map((s) => s.fetchPeople([lower])));
      const people = answers.flatMap((a) => (a.status === 'fulfilled' ? a.value.found : []));
      const failures = answers.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
      if (people.length === 0 && failures.length > 0) {
        log.warn({ person: lower, err: message(failures[0]?.reason) }, 'directory lookup failed');
        return { status: 'unavailable', message: message(failures[0]?.reason) } satisfies PersonLookup;
      }
      // The first source's record, inactive when any source says so (never widens).
      const person = people[0] ? { ...people[0], active: people.every((p) => p.active) } : undefined;
      lookedUp.set(lower, { person, at: clock.now().getTime() });
      return person ? { status: 'found', person } : { status: 'unknown' };
    },
    emailOfObjectId: (objectId) => objectIds.get(objectId.toLowerCase()) ?? objectIds.get(objectId),
  };

  return {
    directory,
    policy: () => resolved.policy,
    reload,
    refresh,
    enforce,
    attach(core) {
      deps = core;
    },
    track: async (write, describe) => {
      const policy = options.policy();
      const before = await watchedScim(policy);
      const result = await write();
      const event = describe(result);
      if (!event) return result;
      const after = await watchedScim(policy);
      const changes = diffMembership(before.members, after.members, before.refs);
      const now = clock.now();
      await store.transaction(async (tx) => {
        tx.appendAudit({
          at: now,
          actor: 'directory:scim',
          action: event.action,
          requestId: null,
          details: { id: event.id, ...event.details },
        });
        for (const change of changes)
          tx.appendAudit({
            at: now,
            actor: 'directory:scim',
            action: 'directory.membership_changed',
            requestId: null,
            details: { group: change.group, added: change.added, removed: change.removed },
          });
      });
      await reload();
      if (deps) {
        // A deleted user is no longer in the directory at all, so the sweep cannot see them: offboard them here.
        const removed = event.action === 'scim.user.deleted' && typeof event.details.email === 'string' ? event.details.email : undefined;
        const core = deps;
        if (removed)
          inBackground(
            'offboard',
            offboard(core, { email: removed, reason: 'removed from the directory (scim)', actor: 'directory:scim' }).then(() =>
              enforce(core),
            ),
          );
        else inBackground('offboard', enforce(core));
      }
      return result;
    },
    tick: async (holder) => {
      const now = clock.now();
      if (pull.length > 0 && now.getTime() - lastRefreshAt >= refreshIntervalMs) {
        // The holder keeps the lease across its own refreshes; another replica takes over only when it stops renewing.
        if (await state.acquireLease(REFRESH_LEASE, holder, now, refreshIntervalMs + 30_000)) {
          lastRefreshAt = now.getTime();
          await refresh();
        } else {
          // Another replica refreshes; check again on a later tick.
          lastRefreshAt = now.getTime() - refreshIntervalMs + 30_000;
          await reload();
        }
      } else await reload();
      if (deps) await enforce(deps);
    },
    async drain() {
      await Promise.all([...background]);
    },
    statuses: () => resolved.statuses,
    readinessDetail() {
      const detail: Record<string, string> = {};
      const now = clock.now().getTime();
      for (const status of resolved.statuses) {
        const key = `directory.${status.source}`;
        const age = status.lastSuccessAt ? `${Math.round((now - status.lastSuccessAt.getTime()) / 60_000)} min ago` : 'never';
        if (status.state === 'fresh') detail[key] = 'ok';
        else if (status.state === 'stale')
          detail[key] =
            `stale: refresh failing (${status.lastError}); keeping membership from ${age} until ${status.keepUntil?.toISOString()}`;
        else if (status.state === 'expired')
          detail[key] = `expired: refresh failing since ${age} (${status.lastError}); its groups resolve to nobody`;
        else detail[key] = `no membership yet${status.lastError ? ` (${status.lastError})` : ''}; its groups resolve to nobody`;
      }
      return detail;
    },
  };
}
