import { randomUUID } from 'node:crypto';
import cron from 'node-cron';
import type { CoreDeps } from '../core/lifecycle/deps.js';
import { reconcile } from '../core/lifecycle/reconcile.js';
import { APPROVER_REPORT_LEASE, runApproverReport } from '../core/scheduler/approver-report.js';
import { tick } from '../core/scheduler/jobs.js';
import { createExpiryPump } from './expiry-pump.js';

export interface SchedulerHandle {
  /** Stops firing new runs, cancels timers, waits for the runs in flight and gives leases back. */
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  /** Cron expression for the main pass (default: every second). */
  tickExpression?: string;
  /** Cron expression that checks whether reconciliation is due (default: every second); the policy's reconcile.every decides. */
  reconcileExpression?: string;
  /** Cron expression that checks whether the weekly approver report is due (default: every minute); the policy's risk.approverReport decides. */
  approverReportExpression?: string;
  /**
   * Arm a timer for each grant expiring within this window (default 15 s), so revocation lands on the second.
   * Each arming pass reads every grant in the window: a minute's window at 10,000 expiries a minute read 10,000
   * rows every pass and stalled the event loop (and with it every revoke) for ~100 ms.
   */
  preciseWindowMs?: number;
  /** How often the timers are armed (default 2 s, so a grant is armed at least 13 s ahead) and at most how many are held (default 50,000). */
  armEveryMs?: number;
  preciseLimit?: number;
  /** Expiry revokes waiting on their targets at once on this replica (default 32; 16 were all busy at 170 expiries/s). */
  revokeConcurrency?: number;
  /**
   * The expiry lease: the replica holding it claims grants the moment they are due (timers and every pass);
   * the others claim only grants overdue by `expiryGraceMs` (default 2 s), so they take over when the holder
   * stops or falls behind. Renewed every `expiryLeaseEveryMs` (default 1 s) for `expiryLeaseMs` (default 5 s).
   */
  expiryLeaseMs?: number;
  expiryLeaseEveryMs?: number;
  expiryGraceMs?: number;
  /** Identifies this replica as a lease holder. */
  holder?: string;
  /** More jobs on the same trigger, tracked and stopped like the core ones (the directory's refresh). */
  jobs?: ReadonlyArray<{ name: string; expression: string; run: (holder: string) => Promise<unknown> }>;
}

const RECONCILE_LEASE = 'reconcile';
export const EXPIRY_LEASE = 'expiry';

/**
 * node-cron is only the trigger: every second it runs one pass of the core jobs at `now`, and every
 * reconcile.every (policy, default 5 minutes) one replica (holding a lease) reconciles the providers. The jobs claim rows in the database, so
 * several replicas can run this safely. The replica holding the expiry lease also arms a timer for each
 * grant expiring within the next minute, so revocation does not wait for the next pass.
 */
export function startScheduler(deps: CoreDeps, options: SchedulerOptions = {}): SchedulerHandle {
  const holder = options.holder ?? `replica-${randomUUID()}`;
  const windowMs = options.preciseWindowMs ?? 15_000;
  const inFlight = new Set<Promise<unknown>>();
  const timers = new Map<string, NodeJS.Timeout>();
  let stopping = false;
  const track = (what: string, work: () => Promise<unknown>) => {
    if (stopping) return Promise.resolve();
    const run = work().catch((error: unknown) => {
      deps.log.error({ job: what, err: error instanceof Error ? error.message : String(error) }, 'scheduled job failed');
    });
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
    return run;
  };

  const pump = createExpiryPump(deps, {
    concurrency: options.revokeConcurrency ?? 32,
    batch: deps.settings.batchSize,
    announceConcurrency: 4,
    maxAnnouncements: 10_000,
    onError: (what, error) =>
      deps.log.error({ job: what, err: error instanceof Error ? error.message : String(error) }, 'scheduled job failed'),
  });
  // Claiming due grants is work for one replica at a time: every claim and every recorded revoke takes the
  // audit chain's lock, which all replicas queue for, so replicas racing for each due grant made each other
  // wait (p99 several seconds with three replicas, where one alone kept up). The lease only decides who
  // claims first, never whether a grant is revoked once: claims stay SKIP LOCKED conditional transitions, so
  // two replicas that both believe they hold it only contend. The others keep claiming what is overdue by
  // the grace, which covers a holder that stopped, crashed or fell behind.
  const graceMs = options.expiryGraceMs ?? 2_000;
  let leading = false;
  let leasing: Promise<unknown> | undefined;
  const lead = () => {
    if (stopping || leasing) return;
    leasing = track('expiry-lease', async () => {
      const held = await deps.store.state.acquireLease(EXPIRY_LEASE, holder, deps.clock.now(), options.expiryLeaseMs ?? 5_000);
      const gained = held && !leading;
      leading = held;
      if (gained) {
        arm();
        pump.kick(0);
      }
    }).finally(() => {
      leasing = undefined;
    });
  };
  const overdueMs = () => (leading ? 0 : graceMs);

  // One timer per grant expiring soon, keyed by grant and expiry (an extended grant gets a new one);
  // armed on their own schedule, so a slow scheduler pass never delays them. Only the lease holder arms them.
  let arming: Promise<unknown> | undefined;
  const armPreciseTimers = async () => {
    const now = deps.clock.now();
    const soon = await deps.store.expiringSoon(new Date(now.getTime() + windowMs), options.preciseLimit ?? 50_000);
    for (const grant of soon) {
      const key = `${grant.id}@${grant.expiresAt.getTime()}`;
      if (timers.has(key)) continue;
      const timer = setTimeout(
        () => {
          timers.delete(key);
          if (leading) pump.kick(0);
        },
        Math.max(0, grant.expiresAt.getTime() - deps.clock.now().getTime()),
      );
      timer.unref?.();
      timers.set(key, timer);
    }
  };
  const arm = () => {
    if (stopping || arming || !leading) return;
    arming = track('precise-timers', armPreciseTimers).finally(() => {
      arming = undefined;
    });
  };
  lead();
  const leaseTimer = setInterval(lead, options.expiryLeaseEveryMs ?? 1_000);
  leaseTimer.unref?.();
  const armTimer = setInterval(arm, options.armEveryMs ?? 2_000);
  armTimer.unref?.();

  const tickTask = cron.schedule(
    options.tickExpression ?? '* * * * * *',
    () =>
      track('tick', async () => {
        // Expiries go to the pump (anything a timer missed is due by now); the other jobs run here.
        await tick(deps, deps.clock.now(), async () => {
          pump.kick(overdueMs());
          return 0;
        });
      }),
    { name: 'keycard-tick', noOverlap: true },
  );
  // Due every reconcile.every (policy); the lease, held for that long, makes it one pass across all replicas.
  // Checked every second (an in-memory comparison until a pass is due), so a pass starts within a second of
  // being due: a coarser check made a 5 s interval a 15 s one.
  let lastReconcile = 0;
  const reconcileTask = cron.schedule(
    options.reconcileExpression ?? '* * * * * *',
    () =>
      track('reconcile', async () => {
        const now = deps.clock.now();
        const every = deps.policy().reconcile.every;
        if (now.getTime() - lastReconcile < every) return;
        if (!(await deps.store.state.acquireLease(RECONCILE_LEASE, holder, now, Math.max(1_000, every - 1_000)))) return;
        lastReconcile = now.getTime();
        await deps.store.state.purgeExpiredLeases(new Date(now.getTime() - 3_600_000));
        await deps.store.inbound.purgeExpired(now);
        const report = await reconcile(deps, now);
        if (report.orphans.length || report.missing.length || report.errors.length) {
          deps.log.warn(
            { drift: report.orphans.length, lost: report.missing.length, errors: report.errors.length, standing: report.standing.length },
            'reconciliation found drift',
          );
        }
      }),
    { name: 'keycard-reconcile', noOverlap: true },
  );
  // Checked every minute; posted once per slot and platform across replicas (lease + the slot recorded in the database).
  const approverReportTask = cron.schedule(
    options.approverReportExpression ?? '0 * * * * *',
    () =>
      track('approver-report', async () => {
        const outcome = await runApproverReport(deps, deps.clock.now(), holder);
        // A platform that failed was logged by the report itself (once per slot), and is retried on the next run.
        if (outcome.status === 'posted')
          deps.log.info(
            { slot: outcome.slot, flagged: outcome.flagged, platforms: outcome.platforms, failed: outcome.failed },
            'approver report posted',
          );
      }),
    { name: 'keycard-approver-report', noOverlap: true },
  );
  const extraTasks = (options.jobs ?? []).map((job) =>
    cron.schedule(job.expression, () => track(job.name, () => job.run(holder)), { name: `keycard-${job.name}`, noOverlap: true }),
  );

  return {
    async stop() {
      stopping = true;
      clearInterval(leaseTimer);
      clearInterval(armTimer);
      await tickTask.stop();
      await reconcileTask.stop();
      await approverReportTask.stop();
      for (const task of extraTasks) await task.stop();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...inFlight]);
      await pump.stop();
      await tickTask.destroy();
      await reconcileTask.destroy();
      await approverReportTask.destroy();
      for (const task of extraTasks) await task.destroy();
      await deps.store.state.releaseLease(RECONCILE_LEASE, holder).catch(() => undefined);
      await deps.store.state.releaseLease(EXPIRY_LEASE, holder).catch(() => undefined);
      await deps.store.state.releaseLease(APPROVER_REPORT_LEASE, holder).catch(() => undefined);
    },
  };
}
