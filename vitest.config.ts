import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.spec.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One PostgreSQL server for the run (embedded, or CI's via TEST_DATABASE_URL), and lavapipe's
    // environment for the webgpu tests when scripts/lavapipe.sh prepared it.
    globalSetup: ['test/setup/postgres.ts', 'test/setup/lavapipe.ts'],
    // Integration tests share one PostgreSQL server but each uses its own database.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
