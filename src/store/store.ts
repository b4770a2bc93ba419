import { invalidArgument } from '../core/index.js';
import { createCheckpointRepository } from './checkpoints.js';
import { openDatabase } from './client.js';
import { translateErrors } from './errors.js';
import { createMetricRepository } from './metrics.js';
import { createNotifications } from './notifications.js';
import { createRunEdits } from './run-edits.js';
import { createRunLeases } from './run-leases.js';
import { createRunCatalog } from './runs.js';
import { pgRunner } from './sql-runner.js';
import { createSweepRepository } from './sweeps.js';
import { createTokenRepository } from './tokens.js';
import type { Store } from './types.js';

export interface StoreOptions {
  /** `postgresql://…` of a database migrated by `migrate()`. */
  readonly databaseUrl: string;
  /** Connections shared by Prisma and the metric queries. Default 10. */
  readonly poolSize?: number;
  /**
   * Receives errors of idle pooled connections (the next query then fails UNAVAILABLE).
   * Default: ignored.
   */
  readonly onError?: (error: Error) => void;
}

/**
 * Opens the PostgreSQL store: runs, checkpoints and `ping` through the Prisma client; the metric
 * hot path through the same pool with raw `pg` (measured faster, see `bench/store.ts`).
 * Checks the connection before returning, so a wrong URL fails at start-up, not at first use.
 */
export async function createStore(options: StoreOptions): Promise<Store> {
  const poolSize = options.poolSize ?? 10;
  if (!Number.isInteger(poolSize) || poolSize < 1)
    throw invalidArgument('poolSize', poolSize, 'an integer >= 1');
  const db = openDatabase({
    databaseUrl: options.databaseUrl,
    poolSize,
    onError: options.onError ?? (() => {}),
  });
  const store: Store = {
    runs: {
      ...createRunCatalog(db.prisma, db.pool),
      ...createRunLeases(db.prisma),
      ...createRunEdits(db.pool),
    },
    metrics: createMetricRepository(pgRunner(db.pool)),
    checkpoints: createCheckpointRepository(db.prisma, db.pool),
    sweeps: createSweepRepository(db.prisma),
    tokens: createTokenRepository(db.prisma),
    notifications: createNotifications({ databaseUrl: options.databaseUrl, pool: db.pool }),
    async ping() {
      await translateErrors('ping', '', () => db.prisma.$queryRaw`SELECT 1`);
    },
    close: () => db.close(),
  };
  try {
    await store.ping();
  } catch (error) {
    await db.close();
    throw error;
  }
  return store;
}
