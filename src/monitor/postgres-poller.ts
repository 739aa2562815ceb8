import { randomUUID } from 'node:crypto';
import type { CoreDeps } from '../core/lifecycle/deps.js';
import { type PollOptions, type PollSummary, pollPostgresOnce } from './postgres-poll.js';

export const POLLER_LEASE = 'monitor:pg-poller';
/** A grant that keeps failing is logged again after this long, not on every pass. */
const REPEAT_WARNING_MS = 5 * 60_000;

export interface PostgresPollerOptions extends Omit<PollOptions, 'onGrantError'> {
  deps: CoreDeps;
  /** Fixed interval; by default the policy's `monitoring.pollInterval`, read again before every pass (a reload applies). */
  intervalMs?: number;
  /**
   * Replicas: by default a pass runs only while this replica holds the `monitor:pg-poller` lease, so one
   * replica polls at a time and another takes over within `ttlMs` if it dies. `false` polls unconditionally.
   */
  lease?: false | { holder?: string; ttlMs?: number };
  /** Called after each pass (metrics, tests). */
  onPass?: (summary: PollSummary) => void;
}

export interface PostgresPoller {
  /** Stops scheduling passes, waits for the pass in flight and gives the lease back. */
  stop(): Promise<void>;
}

/** Polls the sessions of Postgres grants on a timer; passes never overlap (the next is armed when one ends). */
export function startPostgresPoller(options: PostgresPollerOptions): PostgresPoller {
  const { deps } = options;
  const interval = () => options.intervalMs ?? deps.policy().monitoring.pollInterval;
  const holder = options.lease === false ? undefined : (options.lease?.holder ?? `replica-${randomUUID()}`);
  const ttl = () => (options.lease ? options.lease.ttlMs : undefined) ?? Math.max(6 * interval(), 30_000);
  const warned = new Map<string, { message: string; at: number }>();
  let hiddenWarned = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  const onGrantError: PollOptions['onGrantError'] = (grant, message) => {
    const now = deps.clock.now().getTime();
    const last = warned.get(grant.id);
    if (last && last.message === message && now - last.at < REPEAT_WARNING_MS) return;
    warned.set(grant.id, { message, at: now });
    deps.log.warn({ ref: `KC-${grant.number}`, resource: grant.resource, err: message }, 'postgres session poll failed for a grant');
  };

  const pass = async () => {
    try {
      // No Postgres resource in the policy: nothing to poll, and no lease write every few seconds.
      const kind = options.providerKind ?? 'postgres';
      if (!Object.values(deps.policy().resources).some((r) => r.provider === kind)) return;
      if (holder && !(await deps.store.state.acquireLease(POLLER_LEASE, holder, deps.clock.now(), ttl()))) return;
      const summary = await pollPostgresOnce(deps, { ...options, onGrantError });
      if (summary.hidden > 0 && !hiddenWarned) {
        hiddenWarned = true;
        deps.log.warn(
          { hidden: summary.hidden },
          "Postgres hides granted roles' statements from Keycard's admin role; GRANT pg_read_all_stats TO it so the poller can see them",
        );
      }
      if (summary.reported > 0) deps.log.debug({ ...summary }, 'postgres sessions polled');
      options.onPass?.(summary);
    } catch (error) {
      deps.log.error({ err: error instanceof Error ? error.message : String(error) }, 'postgres session poll failed');
    }
  };

  const arm = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      inFlight = pass().finally(() => {
        inFlight = undefined;
        arm(interval());
      });
    }, delay);
    timer.unref?.();
  };
  arm(0);

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
      if (holder) await deps.store.state.releaseLease(POLLER_LEASE, holder).catch(() => undefined);
    },
  };
}
