import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { parseStaticTokens, type StaticToken } from './auth/index.js';
import { BACKEND_PREFERENCES, type BackendPreference } from './backend/index.js';
import { invalidArgument } from './core/index.js';
import { type DataRootPolicy, dataRootPolicy } from './data/index.js';
import { DEFAULT_MAX_PARAMS } from './trainers/index.js';

/**
 * Service options. Each field documents its environment variable and default. `compileConfig` reads
 * the environment once, at start, validates every value and converts units; modules receive the
 * compiled `ServiceConfig` and never read `process.env` themselves.
 */
export interface ServiceConfig {
  /** gRPC listen host. `GRADNOISE_GRPC_HOST`, default `0.0.0.0`. */
  readonly grpcHost: string;
  /** gRPC port (0: any free port). `GRADNOISE_GRPC_PORT`, default 50051. */
  readonly grpcPort: number;
  /** Host the Prometheus `/metrics` endpoint binds to. `GRADNOISE_METRICS_HOST`, default `0.0.0.0`. */
  readonly metricsHost: string;
  /** Port of `/metrics` (0: any free port; -1: disabled). `GRADNOISE_METRICS_PORT`, default 9464. */
  readonly metricsPort: number;
  /**
   * PostgreSQL URL. `DATABASE_URL`; when empty the service starts an embedded PostgreSQL with its
   * data under `dataDir`.
   */
  readonly databaseUrl: string | null;
  /** Working directory for embedded PostgreSQL data. `GRADNOISE_DATA_DIR`, default `./.gradnoise`. */
  readonly dataDir: string;
  /** Port of the embedded PostgreSQL. `GRADNOISE_EMBEDDED_PG_PORT`, default 54329. */
  readonly embeddedPostgresPort: number;
  /** Runs that train at once on this replica. `GRADNOISE_WORKERS`, default: the number of cores. */
  readonly workers: number;
  /**
   * Nice value of the training threads, so serving and PostgreSQL come first on saturated cores.
   * `GRADNOISE_WORKER_NICE`, 0–19, default 10; 0 leaves them at the process's priority.
   */
  readonly workerNice: number;
  /**
   * Backend preference. `GRADNOISE_BACKEND`: auto | webgpu | tensorflow | native | wasm | cpu;
   * default auto (the order is in `src/backend/order.ts`). `webgpu` on a machine without a GPU
   * needs lavapipe's environment (`scripts/lavapipe.sh`); `native` the addon `npm run build:native`
   * builds.
   */
  readonly backend: BackendPreference;
  /**
   * The `native` backend's addon file. `GRADNOISE_NATIVE_ADDON`, an absolute path; default null:
   * `native/build/Release/gradnoise_native.node` of this installation.
   */
  readonly nativeAddon: string | null;
  /** Name of this replica, the owner of its leases. `GRADNOISE_REPLICA_ID`, default host:pid. */
  readonly replicaId: string;
  /** Lease of a claimed run; renewed every third of it. `GRADNOISE_LEASE_SECONDS`, default 30. */
  readonly leaseMs: number;
  /** Attempts before a run whose replica keeps dying is FAILED. `GRADNOISE_MAX_ATTEMPTS`, default 3. */
  readonly maxAttempts: number;
  /** How often an idle replica looks for queued runs. `GRADNOISE_POLL_MS`, default 1000. */
  readonly pollMs: number;
  /**
   * API tokens, hashed at once (never kept or logged in clear). `GRADNOISE_TOKENS`:
   * `project1:token1,project2:token2`; default none. With none here and none in the `api_tokens`
   * table, authentication is off (see src/auth).
   */
  readonly apiTokens: readonly StaticToken[];
  /**
   * TLS files; null: plaintext. `GRADNOISE_TLS_CERT` and `GRADNOISE_TLS_KEY` (PEM, both or neither),
   * and optionally `GRADNOISE_TLS_CLIENT_CA`, which makes clients present a certificate (mTLS).
   */
  readonly tls: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly clientCaFile: string | null;
  } | null;
  /**
   * Directories whose subtrees clients may name as training data (an IDX `data.dir`), as the
   * policy value passed to the server and to every training worker (`src/data/roots.ts`).
   * `GRADNOISE_DATA_ROOTS`: absolute paths separated by commas, default `/usr/share/datasets`
   * (where Debian's dataset packages install); `/` allows any directory.
   */
  readonly dataRoots: DataRootPolicy;
  /**
   * Plugin trainer modules, loaded at start by the main thread and by every training worker
   * (src/trainers/load-plugins.ts). `GRADNOISE_TRAINER_MODULES`: module specifiers separated by
   * commas, each a path (`./x.js`, `../x.js` or absolute; relative to the working directory) or a
   * package name; default none. A module that fails to load fails the start.
   */
  readonly trainerModules: readonly string[];
  /** Largest request message in bytes. `GRADNOISE_MAX_MESSAGE_BYTES`, default 4 MiB. */
  readonly maxMessageBytes: number;
  /** Server streams one client may hold at once. `GRADNOISE_MAX_STREAMS_PER_CLIENT`, default 100. */
  readonly maxStreamsPerClient: number;
  /** QUEUED runs a project may have. `GRADNOISE_MAX_QUEUED_RUNS`, default 10,000. */
  readonly maxQueuedRuns: number;
  /**
   * Most parameters a `layers` model may have, checked at StartRun by arithmetic on its topology.
   * `GRADNOISE_MAX_PARAMS`, default 5,000,000 (with Adam's slots a checkpoint takes about 12 bytes a
   * parameter, stored in one database row).
   */
  readonly maxParams: number;
  /** Log level. `LOG_LEVEL`: trace | debug | info | warn | error | silent; default info. */
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(name, raw, `an integer in [${min}, ${max}]`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const found = allowed.find((a) => a === raw.trim().toLowerCase());
  if (found === undefined) throw invalidArgument(name, raw, `one of ${allowed.join(', ')}`);
  return found;
}

function text(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? fallback : raw.trim();
}

/** A comma-separated list of absolute paths, normalised. */
function absolutePaths(env: Env, name: string, fallback: readonly string[]): readonly string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const paths = raw.split(',').map((p) => p.trim());
  for (const path of paths) {
    if (path === '' || !isAbsolute(path)) {
      throw invalidArgument(name, raw, 'absolute directory paths separated by commas');
    }
  }
  return paths.map((path) => resolve(path));
}

/** A comma-separated list of module specifiers, as written (resolved by the trainer loader). */
function moduleList(env: Env, name: string): readonly string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [];
  const specifiers = raw.split(',').map((s) => s.trim());
  if (specifiers.some((s) => s === '')) {
    throw invalidArgument(name, raw, 'module paths or package names separated by commas, none empty');
  }
  const twice = specifiers.find((s, i) => specifiers.indexOf(s) !== i);
  if (twice !== undefined) throw invalidArgument(name, raw, `each module once (${twice} is listed twice)`);
  return specifiers;
}

/** The TLS files, absolute; cert and key come together, the client CA only with them. */
function tlsFiles(env: Env): ServiceConfig['tls'] {
  const certFile = text(env, 'GRADNOISE_TLS_CERT', '');
  const keyFile = text(env, 'GRADNOISE_TLS_KEY', '');
  const clientCaFile = text(env, 'GRADNOISE_TLS_CLIENT_CA', '');
  if (certFile === '' && keyFile === '') {
    if (clientCaFile !== '') {
      throw invalidArgument('GRADNOISE_TLS_CLIENT_CA', clientCaFile, 'only with GRADNOISE_TLS_CERT and _KEY');
    }
    return null;
  }
  if (certFile === '' || keyFile === '') {
    const missing = certFile === '' ? 'GRADNOISE_TLS_CERT' : 'GRADNOISE_TLS_KEY';
    throw invalidArgument(
      missing,
      '',
      'a PEM file path: TLS needs both GRADNOISE_TLS_CERT and GRADNOISE_TLS_KEY',
    );
  }
  return {
    certFile: resolve(certFile),
    keyFile: resolve(keyFile),
    clientCaFile: clientCaFile === '' ? null : resolve(clientCaFile),
  };
}

/** Builds the service configuration from environment variables (see `ServiceConfig`). */
export function compileConfig(env: Env, defaults: { hostname: string; pid: number }): ServiceConfig {
  const databaseUrl = text(env, 'DATABASE_URL', '');
  return {
    grpcHost: text(env, 'GRADNOISE_GRPC_HOST', '0.0.0.0'),
    grpcPort: integer(env, 'GRADNOISE_GRPC_PORT', 50051, 0, 65535),
    metricsHost: text(env, 'GRADNOISE_METRICS_HOST', '0.0.0.0'),
    metricsPort: integer(env, 'GRADNOISE_METRICS_PORT', 9464, -1, 65535),
    databaseUrl: databaseUrl === '' ? null : databaseUrl,
    dataDir: resolve(text(env, 'GRADNOISE_DATA_DIR', '.gradnoise')),
    embeddedPostgresPort: integer(env, 'GRADNOISE_EMBEDDED_PG_PORT', 54329, 1, 65535),
    workers: integer(env, 'GRADNOISE_WORKERS', availableParallelism(), 1, 256),
    workerNice: integer(env, 'GRADNOISE_WORKER_NICE', 10, 0, 19),
    backend: oneOf(env, 'GRADNOISE_BACKEND', 'auto', BACKEND_PREFERENCES),
    nativeAddon: absolutePaths(env, 'GRADNOISE_NATIVE_ADDON', [])[0] ?? null,
    replicaId: text(env, 'GRADNOISE_REPLICA_ID', `${defaults.hostname}:${defaults.pid}`),
    leaseMs: integer(env, 'GRADNOISE_LEASE_SECONDS', 30, 2, 3600) * 1000,
    maxAttempts: integer(env, 'GRADNOISE_MAX_ATTEMPTS', 3, 1, 100),
    pollMs: integer(env, 'GRADNOISE_POLL_MS', 1000, 10, 60_000),
    apiTokens: parseStaticTokens(env.GRADNOISE_TOKENS),
    tls: tlsFiles(env),
    dataRoots: dataRootPolicy(
      absolutePaths(env, 'GRADNOISE_DATA_ROOTS', ['/usr/share/datasets']),
      'GRADNOISE_DATA_ROOTS',
    ),
    trainerModules: moduleList(env, 'GRADNOISE_TRAINER_MODULES'),
    maxMessageBytes: integer(env, 'GRADNOISE_MAX_MESSAGE_BYTES', 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxStreamsPerClient: integer(env, 'GRADNOISE_MAX_STREAMS_PER_CLIENT', 100, 1, 1_000_000),
    maxQueuedRuns: integer(env, 'GRADNOISE_MAX_QUEUED_RUNS', 10_000, 1, 100_000_000),
    maxParams: integer(env, 'GRADNOISE_MAX_PARAMS', DEFAULT_MAX_PARAMS, 1, 1_000_000_000),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const),
  };
}
