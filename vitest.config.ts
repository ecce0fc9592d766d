import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'connectors/**/*.test.ts', 'fsm/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests share one PostgreSQL and Redis; each test file creates its own
    // database, so files may run in parallel, but 2 cores do not gain from more than 2 workers.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
  },
});
