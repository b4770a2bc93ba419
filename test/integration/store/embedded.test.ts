import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../../src/store/index.js';
import { freePort } from '../../setup/postgres.js';
import { sql } from './fixtures.js';

describe('startEmbeddedPostgres', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('initialises a cluster once, creates the gradnoise database, and restarts on the same data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gradnoise-embedded-'));
    dirs.push(dir);
    await chmod(dir, 0o755);
    const dataDir = join(dir, 'data');
    const port = await freePort();

    const first = await startEmbeddedPostgres({ dataDir, port, settings: { fsync: 'off' } });
    try {
      expect(first.url).toBe(`postgresql://postgres:gradnoise@127.0.0.1:${port}/gradnoise`);
      const [version] = await sql<{ server_version_num: string }>(first.url, 'SHOW server_version_num');
      expect(Number(version?.server_version_num)).toBeGreaterThanOrEqual(180_000);
      await sql(first.url, 'CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)');
    } finally {
      await first.stop();
    }
    await expect(sql(first.url, 'SELECT 1')).rejects.toThrow();

    // PG_VERSION exists now: a second start must reuse the cluster (initdb would refuse it).
    const second = await startEmbeddedPostgres({ dataDir, port });
    try {
      expect(await sql(second.url, 'SELECT x FROM kept')).toEqual([{ x: 42 }]);
      const databases = await sql<{ datname: string }>(second.adminUrl, `SELECT datname FROM pg_database`);
      expect(databases.filter((d) => d.datname === 'gradnoise')).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});
