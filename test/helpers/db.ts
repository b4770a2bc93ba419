import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { migrate } from '../../src/store/migrate.js';
import { runAdminStatement as admin } from './pg-admin.js';

export interface TestDatabase {
  /** URL of a fresh database with every migration applied. */
  readonly url: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

/**
 * Creates a uniquely named, migrated database on the test run's PostgreSQL server (see
 * test/setup/postgres.ts), so test files can run in parallel without seeing each other's rows.
 * `{ migrate: false }` leaves it empty (for testing the migrator itself).
 *
 * ```ts
 * let db: TestDatabase;
 * beforeAll(async () => { db = await createTestDatabase(); });
 * afterAll(() => db.drop());
 * ```
 */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject('postgresAdminUrl');
  const name = `gradnoise_test_${randomBytes(6).toString('hex')}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    if (options.migrate !== false) await migrate(url.toString());
  } catch (error) {
    await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    throw error;
  }
  return {
    url: url.toString(),
    drop: () => admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
