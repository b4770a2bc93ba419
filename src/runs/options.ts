import { availableParallelism } from 'node:os';
import { BACKEND_PREFERENCES, type BackendPreference } from '../backend/index.js';
import { invalidArgument } from '../core/index.js';

/**
 * Options of the {@link RunScheduler}. Every field but `owner` has a default, documented on it.
 * {@link compileRunSchedulerOptions} validates them once, at start; the scheduler never reads the
 * environment (the composition root maps it to these fields).
 */
export interface RunSchedulerOptions {
  /** Name of this replica: the owner of the leases it takes. Required, unique per replica. */
  readonly owner: string;
  /** Training threads, i.e. runs trained at once on this replica. Default: the number of cores. */
  readonly workers?: number;
  /**
   * Nice value (1–19) of each training thread, so the serving event loop and PostgreSQL get the CPU
   * first when cores are saturated; 0 leaves the threads at the process's priority. Default 10.
   */
  readonly workerNice?: number;
  /** tfjs backend preference of every worker (see `selectBackend`). Default `auto`. */
  readonly backend?: BackendPreference;
  /** The `native` backend's addon file (see `SelectBackendOptions.nativeAddon`). Default: the built one. */
  readonly nativeAddon?: string | null;
  /** Lease taken on a claimed run; another replica may recover the run once it lapses. Default 30 s. */
  readonly leaseMs?: number;
  /** How often leases are renewed (and remote cancels noticed). Default: a third of `leaseMs`. */
  readonly leaseRenewMs?: number;
  /** Attempts before a run whose replica keeps dying is FAILED (see `recoverExpired`). Default 3. */
  readonly maxAttempts?: number;
  /** How often the queue is polled when nothing woke the scheduler. Default 1,000 ms. */
  readonly pollMs?: number;
  /** Least interval between two progress writes (current step) of a run. Default 1,000 ms. */
  readonly progressIntervalMs?: number;
  /** A worker posts its metric points at least this often… Default 50 ms. */
  readonly workerFlushMs?: number;
  /** …or when this many are pending. Default 500. */
  readonly workerFlushPoints?: number;
  /** The metric sink writes at least this often. Default 200 ms. */
  readonly sinkFlushMs?: number;
  /** Metric points the sink holds at most while the store is slow; more are dropped. Default 100,000. */
  readonly sinkMaxBufferedPoints?: number;
  /** Retries of a failed metric write before waiting for the next interval. Default 5. */
  readonly sinkMaxRetries?: number;
  /** Unread live points a StreamMetrics watcher may have before it is dropped. Default 10,000. */
  readonly watchBufferPoints?: number;
  /** A watcher with no live event re-reads the run's status this often (runs on other replicas). Default 1,000 ms. */
  readonly watchPollMs?: number;
  /** Points per page when replaying stored metrics. Default 1,000. */
  readonly replayBatchSize?: number;
  /** On `stop()`, how long running runs get to checkpoint before their threads are killed. Default 30 s. */
  readonly shutdownGraceMs?: number;
}

export type CompiledRunSchedulerOptions = Required<RunSchedulerOptions>;

function integer(
  field: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min || v > max)
    throw invalidArgument(field, v, `an integer in [${min}, ${max}]`);
  return v;
}

const HOUR_MS = 3_600_000;

/** Validates and fills defaults. Throws INVALID_ARGUMENT naming the field. */
export function compileRunSchedulerOptions(o: RunSchedulerOptions): CompiledRunSchedulerOptions {
  if (typeof o.owner !== 'string' || o.owner.trim() === '' || o.owner.length > 200) {
    throw invalidArgument('owner', o.owner, 'a non-empty string of at most 200 characters');
  }
  const backend = o.backend ?? 'auto';
  if (!BACKEND_PREFERENCES.includes(backend))
    throw invalidArgument('backend', backend, BACKEND_PREFERENCES.join(', '));
  const leaseMs = integer('leaseMs', o.leaseMs, 30_000, 100, HOUR_MS);
  return {
    owner: o.owner,
    workers: integer('workers', o.workers, availableParallelism(), 1, 256),
    workerNice: integer('workerNice', o.workerNice, 10, 0, 19),
    backend,
    nativeAddon: o.nativeAddon ?? null,
    leaseMs,
    leaseRenewMs: integer(
      'leaseRenewMs',
      o.leaseRenewMs,
      Math.max(1, Math.floor(leaseMs / 3)),
      1,
      leaseMs - 1,
    ),
    maxAttempts: integer('maxAttempts', o.maxAttempts, 3, 1, 1_000),
    pollMs: integer('pollMs', o.pollMs, 1_000, 1, HOUR_MS),
    progressIntervalMs: integer('progressIntervalMs', o.progressIntervalMs, 1_000, 0, HOUR_MS),
    workerFlushMs: integer('workerFlushMs', o.workerFlushMs, 50, 1, 60_000),
    workerFlushPoints: integer('workerFlushPoints', o.workerFlushPoints, 500, 1, 1_000_000),
    sinkFlushMs: integer('sinkFlushMs', o.sinkFlushMs, 200, 1, 60_000),
    sinkMaxBufferedPoints: integer('sinkMaxBufferedPoints', o.sinkMaxBufferedPoints, 100_000, 1, 100_000_000),
    sinkMaxRetries: integer('sinkMaxRetries', o.sinkMaxRetries, 5, 0, 100),
    watchBufferPoints: integer('watchBufferPoints', o.watchBufferPoints, 10_000, 1, 10_000_000),
    watchPollMs: integer('watchPollMs', o.watchPollMs, 1_000, 1, HOUR_MS),
    replayBatchSize: integer('replayBatchSize', o.replayBatchSize, 1_000, 1, 100_000),
    shutdownGraceMs: integer('shutdownGraceMs', o.shutdownGraceMs, 30_000, 0, HOUR_MS),
  };
}
