import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // End-to-end stories start dozens of CLI processes; on a busy 2-core machine they take a while.
    // A limit only catches a hang: nothing here measures speed (that is bench/).
    testTimeout: 120_000,
    hookTimeout: 120_000,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
