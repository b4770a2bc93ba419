import type { DataRootPolicy } from '../data/index.js';
import type { RunRecord, Store } from '../store/types.js';
import type { TrainerRegistry } from '../trainers/index.js';
import type { EarlyStopJudge } from './early-stop.js';
import { RunExecution } from './execution.js';
import type { RunLogger } from './execution-deps.js';
import type { LiveHub } from './hub.js';
import { loadStart } from './leases.js';
import type { RunMetrics } from './metrics.js';
import type { RunNotifier } from './notify.js';
import type { CompiledRunSchedulerOptions } from './options.js';
import type { WorkerPool } from './pool.js';
import { preflightRuns } from './preflight.js';
import type { MetricSink } from './sink.js';

export interface ClaimLoopDeps {
  readonly store: Store;
  readonly options: CompiledRunSchedulerOptions;
  readonly logger: RunLogger;
  readonly dataRoots: DataRootPolicy;
  readonly trainers: TrainerRegistry;
  readonly sink: MetricSink;
  readonly hub: LiveHub;
  readonly metrics: RunMetrics;
  readonly notifier: RunNotifier;
  readonly earlyStop: EarlyStopJudge;
  /** The replica's worker threads; null until the scheduler started them. */
  readonly pool: () => WorkerPool | null;
  /** The runs training on this replica, by id: a launched run is added, and removed once settled. */
  readonly executions: Map<string, RunExecution>;
}

/**
 * The scheduler's side of the queue (see `RunScheduler`): whenever a worker is idle, claim the
 * oldest QUEUED run this replica has a trainer for (`claimNext`, `FOR UPDATE SKIP LOCKED`) with a
 * lease and launch it on that worker. A poll `tick()` first requeues the runs whose replica died
 * (`recoverExpired`). A claimed run that cannot train (cancel requested, stopped early by ASHA,
 * failing preflight) is ended here without reaching a worker.
 */
export class ClaimLoop {
  /** What this replica claims from the queue: the registry is fixed at start, so named once. */
  private readonly trainerNames: readonly string[];
  private filling: Promise<void> | null = null;
  private refill = false;
  private stopping = false;

  constructor(private readonly deps: ClaimLoopDeps) {
    this.trainerNames = deps.trainers.list().map((t) => t.name);
  }

  /** Stops claiming; resolves once the claim loop in progress, if any, has ended. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.filling ?? Promise.resolve();
  }

  /** The poll tick: requeue runs whose lease expired, then claim. */
  async tick(): Promise<void> {
    if (this.stopping) return;
    const { store, options, logger } = this.deps;
    try {
      const recovered = await store.runs.recoverExpired(options.maxAttempts);
      if (Object.values(recovered).some((n) => n > 0)) {
        logger.warn(recovered, 'recovered runs whose lease expired');
      }
    } catch (error) {
      logger.error({ err: error }, 'could not recover expired runs');
    }
    await this.fill();
  }

  /** Claims runs while a worker is idle. One claim loop at a time; a wake during it loops again. */
  fill(): Promise<void> {
    if (this.filling !== null) {
      this.refill = true;
      return this.filling;
    }
    const { store, options, logger } = this.deps;
    this.filling = (async () => {
      do {
        this.refill = false;
        for (;;) {
          const pool = this.deps.pool();
          if (this.stopping || pool === null || pool.idle === 0) break;
          const run = await store.runs.claimNext(options.owner, options.leaseMs, this.trainerNames);
          if (run === null) break;
          await this.launch(run);
        }
      } while (this.refill && !this.stopping);
    })()
      .catch((error: unknown) => logger.error({ err: error }, 'could not claim queued runs'))
      .finally(() => {
        this.filling = null;
      });
    return this.filling;
  }

  private async launch(run: RunRecord): Promise<void> {
    const { store, options, logger, hub, notifier, executions } = this.deps;
    const { owner } = options;
    try {
      if (run.cancelRequested) {
        await this.endUnstarted(run, 'CANCELLED', null);
        return;
      }
      // Judged and stopped by ASHA before its last attempt ended: it stays stopped.
      const earlyStop = await this.deps.earlyStop.plan(run);
      if (earlyStop.kind === 'stopped') {
        await this.endUnstarted(run, 'STOPPED_EARLY', null);
        return;
      }
      // Queued under another policy or with data gone since: fail it here, not in a worker.
      await preflightRuns([run.spec], this.deps.dataRoots, this.deps.trainers);
      const start = await loadStart(store, run);
      const pool = this.deps.pool();
      if (pool === null || pool.idle === 0) {
        // The worker died between the claim and now: give the run back rather than fail it.
        await store.runs.release(run.id, owner);
        return;
      }
      const execution = new RunExecution(
        {
          store,
          sink: this.deps.sink,
          hub,
          metrics: this.deps.metrics,
          logger,
          owner,
          progressIntervalMs: options.progressIntervalMs,
          maxAttempts: options.maxAttempts,
          announce: (runId, status) => notifier.finished(runId, status),
          trainers: this.deps.trainers,
          ...(earlyStop.kind === 'gated' ? { judge: earlyStop.judge } : {}),
        },
        run,
        (listener) => {
          const gate = earlyStop.kind === 'gated' ? { gate: earlyStop.gate } : {};
          const job = pool.run(
            { runId: run.id, attempt: run.attempt, spec: run.spec, ...start, ...gate },
            listener,
          );
          if (job === null) throw new Error('no idle training worker'); // unreachable: checked just above
          return job;
        },
      );
      executions.set(run.id, execution);
      hub.publishStatus(run.id, 'RUNNING');
      void execution.settled.finally(() => {
        // Only this attempt's entry: after a lapsed lease this replica may have claimed the run
        // again before this attempt settled, and deleting the new attempt's entry would leave its
        // lease unrenewed, to lapse again until the run fails on its last attempt.
        if (executions.get(run.id) === execution) executions.delete(run.id);
        if (!this.stopping) void this.fill();
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      logger.error({ runId: run.id, err: error }, 'could not start the run');
      await this.endUnstarted(run, 'FAILED', `could not start: ${reason}`).catch(() => undefined);
    }
  }

  /** Ends a claimed run that never reached a worker, and tells watchers and the other replicas. */
  private async endUnstarted(
    run: RunRecord,
    status: 'CANCELLED' | 'FAILED' | 'STOPPED_EARLY',
    error: string | null,
  ): Promise<void> {
    const ended = await this.deps.store.runs.finish(run.id, this.deps.options.owner, status, error);
    this.deps.hub.publishStatus(run.id, ended.status, ended.error);
    this.deps.notifier.finished(run.id, ended.status);
  }
}
