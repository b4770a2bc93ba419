import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { type InProcessReplica, startInProcessReplica } from '../scaleout/in-process.js';
import { RawClient } from './raw-client.js';

/** What a fuzz suite sends hostile bytes to, set up by {@link useFuzzReplica}. */
export interface FuzzReplica {
  readonly db: TestDatabase;
  readonly replica: InProcessReplica;
  readonly raw: RawClient;
}

/**
 * Registers the suite's setup: a fresh database and an in-process replica on it that trains
 * nothing (the fuzz is about the boundary; queued runs stay to be inspected), with a raw client.
 * The returned object's fields are set in `beforeAll`.
 */
export function useFuzzReplica(): FuzzReplica {
  const target = {} as { db: TestDatabase; replica: InProcessReplica; raw: RawClient };
  beforeAll(async () => {
    target.db = await createTestDatabase();
    target.replica = await startInProcessReplica(
      target.db.url,
      { owner: 'fuzz' },
      { start: false, maxQueuedRuns: 100_000 },
    );
    target.raw = new RawClient(target.replica.address);
  });
  afterAll(async () => {
    target.raw?.close();
    await target.replica?.stop();
    await target.db?.drop();
  });
  return target;
}
