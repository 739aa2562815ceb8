import { defineConfig } from 'vitest/config';

// The clean-copy production start (npm ci, build, prune, boot) takes over a minute; CI runs it as its own
// step (.ci/run sets KEYCARD_PRODUCTION_START=1) so `npm test` stays well inside the suite's time budget.
const productionStart = 'test/ops/production-start.test.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**', ...(process.env.KEYCARD_PRODUCTION_START === '1' ? [] : [productionStart])],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two workers on the 2-core CI machine: with three, the two-process replica tests (child Keycard
    // processes answering within their waits) timed out under the extra CPU contention.
    maxWorkers: 2,
  },
});
