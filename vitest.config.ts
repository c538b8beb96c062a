// Test runner configuration: unit tests for the core, integration tests for the service; any one file runs with a
// plain `npx vitest run FILE` (the forks, and the worker threads they start, load TypeScript through tsx).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    execArgv: ['--import', 'tsx'],
  },
});
