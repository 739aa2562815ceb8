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
    // PGlite instances are memory-hungry (~300-700 MB each); two workers fit the 2-core CI machine.
    maxWorkers: 2,
  },
});
