import type { CoreDeps } from '../lifecycle/deps.js';
import { isPilot } from '../lifecycle/pilot.js';
import type { ResourceMode } from '../policy/schema.js';
import type { StandingAccess } from '../ports/provider.js';
import type { AccessRequest, RequestStatus } from '../types.js';
import { matchRequester } from './principal-match.js';
import { countPrincipals, queryStanding, type StandingResult } from './standing-access.js';

/** One standing principal, with what Keycard's history knows about them. */
export interface InventoryEntry extends StandingAccess {
  /** The requester email this principal was matched to, if any. */
  requester: string | null;
  /** Their latest request for this resource through Keycard; null means never. */
  lastRequest: { ref: string; at: Date; status: RequestStatus; pilot: boolean } | null;
}

export interface ResourceInventory {
  resource: string;
  provider: string;
  mode: ResourceMode;
  status: StandingResult['status'];
  /** Why there is no list (unsupported, missing secret, provider error). */
  message: string | null;
  standing: InventoryEntry[];
  standingPrincipals: number;
  /** Live Keycard grants on the resource right now (pilot "would grant"s counted apart). */
  activeGrants: number;
  pilotGrants: number;
}

export type InventoryDeps = Pick<CoreDeps, 'store' | 'policy' | 'providers' | 'resolveSecret'>;

/**
 * `keycard inventory`: per resource, who reaches it outside Keycard and when each last asked through
 * Keycard. Read-only: providers are only asked to list, and nothing is written.
 */
export async function takeInventory(deps: InventoryDeps, options: { resource?: string } = {}): Promise<ResourceInventory[]> {
  const policy = deps.policy();
  const names = Object.keys(policy.resources).filter((name) => options.resource === undefined || name === options.resource);
  const people = Object.values(policy.groups).flat();
  return Promise.all(
    names.map(async (name): Promise<ResourceInventory> => {
      const resource = policy.resources[name]!;
      const [result, requests] = await Promise.all([queryStanding(deps, policy, name), deps.store.listRequests({ resource: name })]);
      const active = requests.filter((r) => r.status === 'active' && r.kind === 'access');
      const standing = result.status === 'ok' ? withHistory(result.standing, requests, people) : [];
      return {
        resource: name,
        provider: resource.provider,
        mode: resource.mode,
        status: result.status,
        message: result.status === 'ok' ? null : result.message,
        standing,
        standingPrincipals: countPrincipals(standing),
        activeGrants: active.filter((r) => !isPilot(r)).length,
        pilotGrants: active.filter(isPilot).length,
      };
    }),
  );
}

/** Attaches each principal's requester and latest Keycard request; `requests` is newest first. */
function withHistory(standing: StandingAccess[], requests: AccessRequest[], people: string[]): InventoryEntry[] {
  const latest = new Map<string, AccessRequest>();
  for (const request of requests) if (request.kind === 'access' && !latest.has(request.requester)) latest.set(request.requester, request);
  const candidates = new Set([...latest.keys(), ...people]);
  return standing.map((entry) => {
    // Groups, service accounts and PUBLIC are not people who could have asked.
    const person = entry.kind === undefined || entry.kind === 'user' || entry.kind === 'role';
    const requester = person ? (matchRequester(entry.principal, candidates) ?? null) : null;
    const last = requester ? latest.get(requester) : undefined;
    return {
      ...entry,
      requester,
      lastRequest: last ? { ref: `KC-${last.number}`, at: last.createdAt, status: last.status, pilot: isPilot(last) } : null,
    };
  });
}
