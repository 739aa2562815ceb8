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
    // Three workers on the 2-core CI machine: many files spend their time waiting on real time (expiries,
    // retries, child processes starting), so a third keeps the cores busy; PGlite instances (~300-700 MB each)
    // fit the machine's 24 GiB three times over.
    maxWorkers: 3,
  },
});
