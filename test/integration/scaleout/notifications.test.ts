import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec } from '../../../src/runs/index.js';
import { createStore, type Store } from '../../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { eventually } from './series.js';

describe('PostgreSQL LISTEN/NOTIFY between replicas (store.notifications)', () => {
  let db: TestDatabase;
  let sender: Store;
  let receiver: Store;
  beforeAll(async () => {
    db = await createTestDatabase();
    sender = await createStore({ databaseUrl: db.url, poolSize: 2 });
    receiver = await createStore({ databaseUrl: db.url, poolSize: 2 });
  });
  afterAll(async () => {
    await sender.close();
    await receiver.close();
    await db.drop();
  });

  it('delivers payloads in order across connections, and listens again after its connection is killed', async () => {
    const received: string[] = [];
    let listening = 0;
    const errors: unknown[] = [];
    const listener = receiver.notifications.listen(['gradnoise_test'], {
      onNotification: (channel, payload) => received.push(`${channel}:${payload}`),
      onListening: () => {
        listening += 1;
      },
      onError: (error) => errors.push(error),
    });
    try {
      await eventually('listening', async () => (listening === 1 ? true : undefined));
      await sender.notifications.notify('gradnoise_test', ['a 1', 'a 2', 'b 9']);
      await sender.notifications.notify('gradnoise_other', ['ignored']);
      await eventually('three notices', async () => (received.length === 3 ? true : undefined));
      expect(received).toEqual(['gradnoise_test:a 1', 'gradnoise_test:a 2', 'gradnoise_test:b 9']);

      // An administrator (or a failover) kills the LISTEN connection: it comes back by itself.
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      try {
        const { rowCount } = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE application_name = 'gradnoise-listen' AND datname = current_database()`,
        );
        expect(rowCount).toBe(1);
      } finally {
        await admin.end();
      }
      await eventually('listening again', async () => (listening === 2 ? true : undefined), 30_000);
      expect(errors.length).toBeGreaterThan(0);
      await sender.notifications.notify('gradnoise_test', ['after']);
      await eventually('the notice after the reconnect', async () =>
        received.at(-1) === 'gradnoise_test:after' ? true : undefined,
      );
    } finally {
      await listener.close();
    }
    // Closed: nothing more arrives, and it does not reconnect.
    const count = received.length;
    await sender.notifications.notify('gradnoise_test', ['late']);
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toHaveLength(count);
    expect(listening).toBe(2);
  });

  it('refuses payloads PostgreSQL would reject and channels that are not plain identifiers', async () => {
    await expect(sender.notifications.notify('gradnoise_test', ['x'.repeat(8000)])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('at most 7999 bytes'),
    });
    await expect(sender.notifications.notify('bad channel; --', ['x'])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(sender.notifications.notify('gradnoise_test', [])).resolves.toBeUndefined();
  });

  it('counts a project’s queued runs up to the limit asked', async () => {
    for (let i = 0; i < 5; i++) {
      await sender.runs.create({
        project: 'counted',
        requestId: null,
        spec: compileRunSpec({ trainer: 'smoke' }, ANY_DATA_DIR),
        labels: {},
      });
    }
    expect(await sender.runs.countQueued('counted', 100)).toBe(5);
    expect(await sender.runs.countQueued('counted', 3)).toBe(3);
    expect(await sender.runs.countQueued('nobody', 3)).toBe(0);
  });
});
