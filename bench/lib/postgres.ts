import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/store/index.js';
import { runAdminStatement as admin } from '../../test/helpers/pg-admin.js';
import { freePort } from '../../test/setup/postgres.js';

/** A PostgreSQL server for benchmarks, handing out fresh databases. */
export interface BenchPostgres {
  /** `embedded PostgreSQL 18 (…)` or `BENCH_DATABASE_URL`. */
  readonly description: string;
  /** A new empty database (the service migrates it at start); `drop` removes it. */
  createDatabase(): Promise<{ readonly url: string; drop(): Promise<void> }>;
  stop(): Promise<void>;
}

/**
 * `BENCH_DATABASE_URL` (an admin URL such as `postgresql://u:p@host/postgres`) when set; otherwise
 * the embedded PostgreSQL the service itself falls back to, in a temporary directory, with its
 * default durable settings (fsync on), removed at `stop`.
 */
export async function openPostgres(): Promise<BenchPostgres> {
  const external = process.env.BENCH_DATABASE_URL;
  if (external !== undefined && external !== '')
    return withAdmin(external, 'BENCH_DATABASE_URL', async () => {});
  const dir = await mkdtemp(join(tmpdir(), 'gradnoise-bench-pg-'));
  // As root the server runs as `postgres`, which must be able to enter the directory.
  await chmod(dir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port: await freePort() });
  return withAdmin(server.adminUrl, 'embedded PostgreSQL (durable defaults)', async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });
}

function withAdmin(adminUrl: string, description: string, stop: () => Promise<void>): BenchPostgres {
  return {
    description,
    async createDatabase() {
      const name = `gradnoise_bench_${randomBytes(5).toString('hex')}`;
      await admin(adminUrl, `CREATE DATABASE ${name}`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        drop: () => admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      };
    },
    stop,
  };
}
