import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['engine/**/*.test.ts', 'test/**/*.test.ts'],
    // CLI tests spawn the real binary; two cores, so keep the pool small.
    pool: 'forks',
    maxWorkers: 2,
    // A ceiling for a hung test, not a speed target (BENCHMARKS.md holds those): CLI tests load
    // the whole suite of 154 scenario instances, and a shared two-core machine can be slow.
    testTimeout: 60_000,
  },
});
