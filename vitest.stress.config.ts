import { defineConfig } from 'vitest/config';

/** npm run test:stress: the long variants of the stress suite (the default suite runs short ones). */
export default defineConfig({
  test: {
    include: ['test/**/*.stress.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 600_000,
  },
});
