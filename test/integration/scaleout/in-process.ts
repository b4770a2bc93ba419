import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { TrainingServiceClient } from '../../../src/generated/proto/gradnoise/v1/TrainingService.js';
import { ANY_DATA_DIR, RunScheduler, type RunSchedulerOptions } from '../../../src/runs/index.js';
import { createGrpcServer, type GrpcServerOptions } from '../../../src/server/index.js';
import { createStore, type Store } from '../../../src/store/index.js';
import { createClient } from '../../helpers/client.js';

export interface InProcessReplica {
  readonly address: string;
  readonly client: TrainingServiceClient;
  readonly store: Store;
  readonly scheduler: RunScheduler;
  readonly registry: Registry;
  stop(): Promise<void>;
}

/**
 * A replica assembled as src/main.ts does, in this process, on a database it shares with others:
 * its own store (pool and LISTEN connection), scheduler and gRPC server on an ephemeral port. The
 * scheduler is started unless `start: false`.
 */
export async function startInProcessReplica(
  databaseUrl: string,
  scheduler: RunSchedulerOptions,
  server: Partial<Omit<GrpcServerOptions, 'store' | 'runs' | 'registry' | 'logger'>> & {
    readonly start?: boolean;
  } = {},
): Promise<InProcessReplica> {
  const store = await createStore({ databaseUrl, poolSize: 6 });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const registry = new Registry();
  const dataRoots = server.dataRoots ?? ANY_DATA_DIR;
  const runs = new RunScheduler(
    { workers: 1, backend: 'cpu', pollMs: 50, ...scheduler },
    { store, registry, logger, dataRoots },
  );
  if (server.start !== false) await runs.start();
  const { start: _start, ...serverOptions } = server;
  const grpc = createGrpcServer({ ...serverOptions, store, runs, registry, logger, dataRoots });
  const port = await grpc.listen('127.0.0.1', 0);
  const address = `127.0.0.1:${port}`;
  const client = createClient(address);
  return {
    address,
    client,
    store,
    scheduler: runs,
    registry,
    async stop() {
      client.close();
      await grpc.shutdown(2000);
      await runs.stop();
      await store.close();
    },
  };
}
