import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'projections/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // SQLite files and child processes: keep parallelism modest on a 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
  },
});
