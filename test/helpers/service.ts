import { pino } from 'pino';
import type { TrainingServiceClient } from '../../src/generated/proto/gradnoise/v1/TrainingService.js';
import { createRegistry, type MetricsServer, startMetricsServer } from '../../src/metrics/index.js';
import {
  ANY_DATA_DIR,
  type DataRootPolicy,
  RunScheduler,
  type RunSchedulerOptions,
} from '../../src/runs/index.js';
import { createGrpcServer } from '../../src/server/index.js';
import { createStore, type Store } from '../../src/store/index.js';
import { createClient } from './client.js';
import { createTestDatabase } from './db.js';

export interface TestService {
  readonly address: string;
  readonly port: number;
  readonly metricsPort: number;
  /** The service's own database, for inspecting rows. */
  readonly databaseUrl: string;
  readonly client: TrainingServiceClient;
  readonly store: Store;
  readonly scheduler: RunScheduler;
  stop(): Promise<void>;
}

/**
 * The real service, assembled as src/main.ts does, on ephemeral ports (gRPC and /metrics) against a
 * fresh migrated database on a real PostgreSQL, with a real grpc-js client. The server and the
 * workers share `dataRoots`, as main.ts passes them GRADNOISE_DATA_ROOTS; default: any directory.
 */
export async function startTestService(
  options: Partial<RunSchedulerOptions> = {},
  dataRoots: DataRootPolicy = ANY_DATA_DIR,
): Promise<TestService> {
  const db = await createTestDatabase();
  const store = await createStore({ databaseUrl: db.url });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const registry = createRegistry();
  const scheduler = new RunScheduler(
    { owner: `test-${process.pid}`, workers: 2, backend: 'cpu', pollMs: 100, ...options },
    { store, registry, logger, dataRoots },
  );
  await scheduler.start();
  const server = createGrpcServer({ store, runs: scheduler, registry, logger, dataRoots });
  const port = await server.listen('127.0.0.1', 0);
  const metrics: MetricsServer = await startMetricsServer(registry, '127.0.0.1', 0);
  const address = `127.0.0.1:${port}`;
  const client = createClient(address);
  return {
    address,
    port,
    metricsPort: metrics.port,
    databaseUrl: db.url,
    client,
    store,
    scheduler,
    async stop() {
      client.close();
      await server.shutdown(2000);
      await scheduler.stop();
      await metrics.close();
      await store.close();
      await db.drop();
    },
  };
}
