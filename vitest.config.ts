import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // forks, not threads: worker threads receive no signals and subreaper
    // status is per process (see ../shared/facts.md).
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Type-level tests of the public API (test/types/*.test-d.ts) run through tsc.
    typecheck: {
      enabled: true,
      include: ['test/types/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
});
