import cron from 'node-cron';
import type { CoreDeps } from '../core/lifecycle/deps.js';
import { tick } from '../core/scheduler/jobs.js';

export interface SchedulerHandle {
  /** Stops firing new runs and waits for the one in flight. */
  stop(): Promise<void>;
}

/**
 * node-cron is only the trigger: every second it runs one pass of the core jobs at `now`.
 * The jobs claim their rows in the database, so several replicas can run this safely.
 */
export function startScheduler(deps: CoreDeps, options: { expression?: string } = {}): SchedulerHandle {
  let running: Promise<unknown> = Promise.resolve();
  const task = cron.schedule(
    options.expression ?? '* * * * * *',
    async () => {
      const run = tick(deps, deps.clock.now()).catch((error: unknown) => {
        deps.log.error({ err: error instanceof Error ? error.message : String(error) }, 'scheduler pass failed');
      });
      running = run;
      await run;
    },
    { name: 'keycard-tick', noOverlap: true },
  );
  return {
    async stop() {
      await task.stop();
      await task.destroy();
      await running;
    },
  };
}
