import { recordActivity } from '../core/lifecycle/activity.js';
import type { CoreDeps } from '../core/lifecycle/deps.js';
import { describeError, providerInput } from '../core/lifecycle/provider-input.js';
import type { Provider, ProviderRevokeInput } from '../core/ports/provider.js';
import type { AccessRequest } from '../core/types.js';
import { HIDDEN_QUERY, keysStillPresent, type PgSessionActivity, sessionEvents } from './pg-session-events.js';

/** Reported (pid, query_start) keys per grant, kept in Keycard's state so a restart or another replica does not repeat them. */
export const SEEN_NAMESPACE = 'monitor:pg-sessions';
const ENDED: AccessRequest['status'][] = ['revoking', 'revoke_failed', 'expired', 'revoked'];

/** The Postgres provider's optional `activity` capability (not part of the Provider port). */
type ActivityCapable = Provider & { activity(input: ProviderRevokeInput): Promise<PgSessionActivity[]> };

function hasActivity(provider: Provider | undefined): provider is ActivityCapable {
  return typeof (provider as { activity?: unknown } | undefined)?.activity === 'function';
}

export interface PollOptions {
  /** Provider kind whose grants are polled (default `postgres`). */
  providerKind?: string;
  /** Sessions of grants that ended this recently are still looked for (use after expiry). Default 1 h. */
  lateWindowMs?: number;
  /** Called once per grant that could not be polled; the pass goes on with the others. */
  onGrantError?: (grant: AccessRequest, message: string) => void;
}

export interface PollSummary {
  grants: number;
  sessions: number;
  reported: number;
  failed: number;
  /** Sessions whose statement Postgres hid (the admin role lacks pg_read_all_stats). */
  hidden: number;
}

/** One pass: every live (or recently ended) Postgres grant's sessions, each new statement recorded as activity. */
export async function pollPostgresOnce(deps: CoreDeps, options: PollOptions = {}): Promise<PollSummary> {
  const kind = options.providerKind ?? 'postgres';
  const summary: PollSummary = { grants: 0, sessions: 0, reported: 0, failed: 0, hidden: 0 };
  const provider = deps.providers.get(kind);
  if (!hasActivity(provider)) return summary;
  const now = deps.clock.now();
  const grants = await grantsToPoll(deps, kind, now, options.lateWindowMs ?? 3_600_000);
  summary.grants = grants.length;
  for (const grant of grants) {
    try {
      const polled = await pollGrant(deps, provider, grant, now);
      summary.sessions += polled.sessions;
      summary.reported += polled.reported;
      summary.hidden += polled.hidden;
    } catch (error) {
      summary.failed += 1;
      options.onGrantError?.(grant, describeError(error));
    }
  }
  await forgetOthers(deps, new Set(grants.map((g) => g.id)));
  return summary;
}

async function grantsToPoll(deps: CoreDeps, kind: string, now: Date, lateWindowMs: number): Promise<AccessRequest[]> {
  const ours = (g: AccessRequest) => g.kind === 'access' && g.provider === kind && !g.origin.pilot;
  const active = await deps.store.listRequests({ statuses: ['active'], limit: 1000 });
  const ended = await deps.store.listRequests({ statuses: ENDED, limit: 500 });
  const recent = (g: AccessRequest) => !g.endedAt || now.getTime() - g.endedAt.getTime() <= lateWindowMs;
  return [...active.filter(ours), ...ended.filter((g) => ours(g) && recent(g))];
}

async function pollGrant(deps: CoreDeps, provider: ActivityCapable, grant: AccessRequest, now: Date) {
  const common = providerInput(deps, grant);
  if (!common.ok) throw new Error(common.message);
  const sessions = await provider.activity({ ...common.value, ref: grant.grantRef, now });
  const stored = await deps.store.state.get(SEEN_NAMESPACE, grant.id);
  const seen = new Set(Array.isArray(stored?.keys) ? stored.keys.filter((k): k is string => typeof k === 'string') : []);
  const role = typeof grant.grantRef?.role === 'string' ? grant.grantRef.role : undefined;
  const events = sessionEvents(grant, sessions, { seen, now, ...(role ? { role } : {}) });
  let reported = 0;
  try {
    for (const event of events) {
      // Marked only once recorded: a failure here is retried on the next pass.
      await recordActivity(deps, event.input);
      seen.add(event.key);
      reported += 1;
    }
  } finally {
    const keep = keysStillPresent(seen, sessions);
    if (keep.length > 0) {
      if (reported > 0 || keep.length !== seen.size) await deps.store.state.put(SEEN_NAMESPACE, grant.id, { keys: keep });
    } else if (stored) {
      await deps.store.state.delete(SEEN_NAMESPACE, grant.id);
    }
  }
  return { sessions: sessions.length, reported, hidden: sessions.filter((s) => s.query === HIDDEN_QUERY).length };
}

/** Drops remembered keys of grants no longer polled. */
async function forgetOthers(deps: CoreDeps, polled: ReadonlySet<string>): Promise<void> {
  for (const { key } of await deps.store.state.list(SEEN_NAMESPACE)) {
    if (!polled.has(key)) await deps.store.state.delete(SEEN_NAMESPACE, key);
  }
}
