import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/store/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL (the `postgres` database) of the server integration tests create databases on. */
    postgresAdminUrl: string;
  }
}

/**
 * vitest globalSetup: one PostgreSQL server for the whole test run. CI starts Debian's
 * PostgreSQL and sets `TEST_DATABASE_URL` (an admin URL); otherwise this starts the embedded
 * server in a temporary directory on a free port and removes both at the end. Test files reach
 * it through `createTestDatabase()` (test/helpers/db.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL;
  if (external !== undefined && external !== '') {
    project.provide('postgresAdminUrl', external);
    return async () => {};
  }
  const dir = await mkdtemp(join(tmpdir(), 'gradnoise-test-pg-'));
  // As root the server runs as `postgres`, which must be able to enter the directory.
  await chmod(dir, 0o755);
  const server = await startEmbeddedPostgres({
    dataDir: join(dir, 'data'),
    port: await freePort(),
    // Durability is pointless for a throwaway cluster and costs seconds per test run.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
  });
  project.provide('postgresAdminUrl', server.adminUrl);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
