import { defineConfig } from 'vitest/config';

// The clean-copy production start (npm ci, build, prune, boot) takes over a minute; CI runs it as its own
// step (.ci/run sets KEYCARD_PRODUCTION_START=1) so `npm test` stays well inside the suite's time budget.
const productionStart = 'test/ops/production-start.test.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**', ...(process.env.KEYCARD_PRODUCTION_START === '1' ? [] : [productionStart])],
    pool: 'forks',
    // Files share a worker process instead of each loading every module again (half the suite's wall time);
    // test/helpers/between-files.ts resets the process-wide state a file can leave behind.
    isolate: false,
    setupFiles: ['test/helpers/between-files.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two workers on the 2-core CI machine: with three, the two-process replica tests (child Keycard
    // processes answering within their waits) timed out under the extra CPU contention.
    maxWorkers: 2,
  },
});
