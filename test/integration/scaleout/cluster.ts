import { afterAll, beforeAll } from 'vitest';
import { createStore, type Store } from '../../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { type Replica, startReplica } from './replica.js';

/**
 * Registers the hooks of a kill -9 test: a fresh database and a store on it before the tests, and
 * after them every replica started through `start` killed, the store closed and the database dropped.
 * `env` is given to every replica, under each call's own.
 */
export function useReplicaCluster(env: Readonly<Record<string, string>> = {}) {
  let db: TestDatabase | undefined;
  let store: Store | undefined;
  const replicas: Replica[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    store = await createStore({ databaseUrl: db.url, poolSize: 2 });
  });
  afterAll(async () => {
    for (const r of replicas) await r.kill().catch(() => undefined);
    await store?.close();
    await db?.drop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the cluster is used before its beforeAll ran');
    return value;
  };
  return {
    get db(): TestDatabase {
      return ready(db);
    },
    get store(): Store {
      return ready(store);
    },
    /** Starts a replica process on the cluster's database. */
    async start(id: string, own: Readonly<Record<string, string>> = {}): Promise<Replica> {
      const replica = await startReplica({
        databaseUrl: ready(db).url,
        replicaId: id,
        env: { ...env, ...own },
      });
      replicas.push(replica);
      return replica;
    },
  };
}
