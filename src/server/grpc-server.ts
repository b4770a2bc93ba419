import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { peerHost } from '../auth/index.js';
import type { DataRootPolicy } from '../runs/index.js';
import type { RunRepository } from '../store/types.js';
import type { TrainerRegistry } from '../trainers/index.js';
import { createGrpcMetrics } from './grpc-metrics.js';
import type { Authenticate } from './handlers.js';
import { QueueQuota, StreamLimiter } from './limits.js';
import { tolerantDecoding } from './limits-decode.js';
import { loadProtos, SERVICE_NAME, SWEEP_SERVICE_NAME } from './proto.js';
import type { RunControl } from './run-control.js';
import { addSweepService, type SweepStore } from './sweep-service.js';
import { addTrainingService, type TrainingStore } from './training-service.js';

/**
 * The repositories the server uses: the services' own (`TrainingStore`, `SweepStore`) and the
 * queued-run count behind the queue quota. src/main.ts passes its whole Store; the server sees this.
 */
export type ServerStore = TrainingStore & SweepStore & { readonly runs: Pick<RunRepository, 'countQueued'> };

export interface GrpcServerOptions {
  readonly store: ServerStore;
  readonly runs: RunControl;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Directories requests may name as data (StartRun, StartSweep); the scheduler's workers get the same. */
  readonly dataRoots: DataRootPolicy;
  /**
   * The trainers requests may name (built-ins and plugins), the registry the scheduler got too.
   * Default: the built-ins.
   */
  readonly trainers?: TrainerRegistry;
  /**
   * Resolves the caller from metadata (src/server/auth.ts). Default: everyone is project `default`
   * and limits count per peer address.
   */
  readonly authenticate?: Authenticate;
  /** Largest request accepted, in bytes; larger ones get RESOURCE_EXHAUSTED. Default 4 MiB. */
  readonly maxReceiveMessageBytes?: number;
  /** Server streams one client may hold at once; more get RESOURCE_EXHAUSTED. Default 100. */
  readonly maxStreamsPerClient?: number;
  /**
   * QUEUED runs a project may have; StartRun or StartSweep beyond gets RESOURCE_EXHAUSTED. Soft:
   * concurrent requests and other replicas can exceed it briefly (QueueQuota). Default 10,000.
   */
  readonly maxQueuedRuns?: number;
  /** Transport security (src/server/auth-tls.ts). Default: plaintext. */
  readonly credentials?: ServerCredentials;
}

export interface GrpcServer {
  /** Binds and starts; returns the bound port (pass 0 for any free port). */
  listen(host: string, port: number): Promise<number>;
  /** Health: NOT_SERVING, then a graceful shutdown bounded by `graceMs`, then a forced one. */
  shutdown(graceMs: number): Promise<void>;
}

/**
 * One gRPC server with the TrainingService, the SweepService, `grpc.health.v1` health checking and
 * server reflection (v1 and v1alpha) on the same port.
 */
export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const loaded = loadProtos();
  const protos = {
    ...loaded,
    trainingService: tolerantDecoding(loaded.trainingService),
    sweepService: tolerantDecoding(loaded.sweepService),
  };
  const server = new Server({
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 4 * 1024 * 1024,
    'grpc.keepalive_permit_without_calls': 1,
  });
  // Every service this port serves has a health status of its own (the empty name is the whole
  // server), so a probe or a load balancer can check exactly the API it routes.
  const healthNames = ['', SERVICE_NAME, SWEEP_SERVICE_NAME];
  const health = new HealthImplementation(
    Object.fromEntries(healthNames.map((name) => [name, 'NOT_SERVING'])),
  );
  const setHealth = (status: 'SERVING' | 'NOT_SERVING') => {
    for (const name of healthNames) health.setStatus(name, status);
  };
  health.addToServer(server);
  new ReflectionService(protos.reflection).addToServer(server);
  const deps = {
    service: SERVICE_NAME,
    metrics: createGrpcMetrics(options.registry),
    logger: options.logger,
    authenticate:
      options.authenticate ??
      (async (_metadata, peer) => ({ project: 'default', client: `peer:${peerHost(peer)}` })),
    streams: new StreamLimiter(options.maxStreamsPerClient ?? 100),
    queueQuota: new QueueQuota(options.store.runs, options.maxQueuedRuns ?? 10_000),
    store: options.store,
    runs: options.runs,
    dataRoots: options.dataRoots,
    ...(options.trainers === undefined ? {} : { trainers: options.trainers }),
  };
  addTrainingService(server, protos, deps);
  addSweepService(server, protos, { ...deps, service: SWEEP_SERVICE_NAME, definition: protos.reflection });

  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        const credentials = options.credentials ?? ServerCredentials.createInsecure();
        server.bindAsync(`${host}:${port}`, credentials, (error, bound) => {
          if (error) {
            reject(error);
            return;
          }
          setHealth('SERVING');
          resolve(bound);
        });
      }),
    shutdown: async (graceMs) => {
      setHealth('NOT_SERVING');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
