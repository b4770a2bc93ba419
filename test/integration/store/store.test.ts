import { describe, expect, it } from 'vitest';
import { createStore } from '../../../src/store/index.js';
import { freePort } from '../../setup/postgres.js';
import { expectAppError, sql, useStore } from './fixtures.js';

describe('createStore', () => {
  const t = useStore();

  it('pings a live database', async () => {
    await expect(t.store.ping()).resolves.toBeUndefined();
  });

  it('fails at start-up, UNAVAILABLE, when nothing listens at the URL', async () => {
    const port = await freePort();
    await expectAppError(
      createStore({ databaseUrl: `postgresql://postgres@127.0.0.1:${port}/x` }),
      'UNAVAILABLE',
      /^database unavailable \(ping\)$/,
    );
  });

  it('rejects a pool size below 1', async () => {
    await expectAppError(
      createStore({ databaseUrl: t.db.url, poolSize: 0 }),
      'INVALID_ARGUMENT',
      /^poolSize/,
    );
  });

  it('survives its connections being killed: reports the error, reconnects', async () => {
    const errors: Error[] = [];
    const other = await createStore({ databaseUrl: t.db.url, poolSize: 2, onError: (e) => errors.push(e) });
    try {
      await other.ping();
      await sql(
        t.db.url,
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      await expect.poll(() => errors.length).toBeGreaterThan(0);
      await expect(other.ping()).resolves.toBeUndefined();
    } finally {
      await other.close();
    }
  });
});
