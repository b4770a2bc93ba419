import pg from 'pg';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import type { RunSpec } from '../../../src/core/index.js';
import { createStore, type NewRun, type Store } from '../../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

/** The database and store of one test file (see {@link useStore}). */
export interface StoreFixture {
  readonly db: TestDatabase;
  readonly store: Store;
}

/**
 * Registers hooks that give the calling test file a fresh database and a store on it, closed and
 * dropped after its tests; with `truncate`, runs and sweeps are emptied before each test. Read
 * `db` and `store` from the returned object inside tests (they exist once `beforeAll` ran).
 */
export function useStore(options: { poolSize?: number; truncate?: boolean } = {}): StoreFixture {
  let db: TestDatabase | undefined;
  let store: Store | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    store = await createStore({
      databaseUrl: db.url,
      ...(options.poolSize ? { poolSize: options.poolSize } : {}),
    });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });
  if (options.truncate === true) {
    beforeEach(async () => {
      await sql((db as TestDatabase).url, 'TRUNCATE runs, sweeps, metric_points CASCADE');
    });
  }
  return {
    get db() {
      if (db === undefined) throw new Error('useStore: no database before beforeAll');
      return db;
    },
    get store() {
      if (store === undefined) throw new Error('useStore: no store before beforeAll');
      return store;
    },
  };
}

/** A complete compiled spec, as `runs.spec` stores it. */
export function makeSpec(trainer = 'mlp', seed = 1): RunSpec {
  return {
    trainer,
    trainerConfig: { hiddenLayers: 20, hiddenUnits: 50 },
    optimizer: { kind: 'sgd', learningRate: 0.01 },
    lrSchedule: { kind: 'constant' },
    noise: {
      eta: 0.3,
      gamma: 0.55,
      schedule: 'annealed',
      target: 'gradient',
      stepsPerTick: 1,
      generator: 'box-muller',
    },
    clip: { byGlobalNorm: 10 },
    seed,
    streamVersion: 2,
    maxSteps: 1000,
    evalEvery: 100,
    checkpointEvery: 500,
  };
}

export function newRun(overrides: Partial<NewRun> = {}): NewRun {
  return { project: 'p1', requestId: null, spec: makeSpec(), labels: {}, ...overrides };
}

/** Runs one statement on a short-lived connection (test set-up and inspection). */
export async function sql<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Rejects with an AppError of this code (and, when given, a message matching `message`). */
export async function expectAppError(
  promise: Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected AppError ${code}`).toMatchObject({ name: 'AppError', code });
  if (message !== undefined) expect((error as Error).message).toMatch(message);
}

/** The pid of the backend waiting on a lock in a statement containing `prefix` (polls up to 10 s). */
export async function waitForLockWait(url: string, prefix: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const rows = await sql<{ pid: number }>(
      url,
      `SELECT pid FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock' AND ltrim(query) LIKE '%' || $1 || '%'`,
      [prefix],
    );
    const found = rows[0];
    if (found !== undefined) return found.pid;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no backend waits on a lock in ${prefix}`);
}
