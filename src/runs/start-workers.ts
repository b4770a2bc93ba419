import type { DataRootPolicy } from '../data/index.js';
import type { TrainerModules } from '../trainers/index.js';
import type { RunLogger } from './execution-deps.js';
import type { RunMetrics } from './metrics.js';
import type { CompiledRunSchedulerOptions } from './options.js';
import { WorkerPool } from './pool.js';
import type { WorkerBackend } from './worker/protocol.js';

export interface StartWorkersDeps {
  readonly dataRoots: DataRootPolicy;
  readonly trainerModules: TrainerModules | undefined;
  readonly expectBackend: WorkerBackend | undefined;
  readonly metrics: RunMetrics;
  readonly logger: RunLogger;
}

/**
 * Starts the replica's training threads (each selects its backend) from the scheduler's options.
 * Each ready worker sets the backend-info metric and logs what it chose; a worker that errs or
 * exits is logged (the pool itself replaces or drops it).
 */
export function startWorkers(
  options: CompiledRunSchedulerOptions,
  deps: StartWorkersDeps,
): Promise<WorkerPool> {
  const { workers, workerNice, backend, workerFlushMs, workerFlushPoints } = options;
  const { metrics, logger, trainerModules, expectBackend } = deps;
  return WorkerPool.start({
    size: workers,
    boot: {
      backend,
      ...(options.nativeAddon === null ? {} : { nativeAddon: options.nativeAddon }),
      flushIntervalMs: workerFlushMs,
      flushPoints: workerFlushPoints,
      nice: workerNice,
      dataRoots: deps.dataRoots,
      ...(trainerModules === undefined ? {} : { trainerModules }),
      ...(expectBackend === undefined ? {} : { expect: expectBackend }),
    },
    onWorkerEvent: (event) => {
      if (event.kind === 'ready') {
        metrics.setBackendInfo(event);
        logger.debug(
          {
            backend: event.backend,
            device: event.device,
            adapter: event.adapter,
            rejected: event.rejected,
            priority: event.priority,
          },
          'training worker ready',
        );
        for (const note of event.notes) logger.warn({ backend: event.backend }, note);
        if (!event.priority.applied && workerNice !== 0)
          logger.warn({ reason: event.priority.reason }, 'training thread priority not lowered');
      } else {
        logger.error({ detail: event.detail }, `training worker ${event.kind}`);
      }
    },
  });
}
