import type { Registry } from 'prom-client';
import type { DataRootPolicy } from '../data/index.js';
import type { RunRecord, Store, SweepCancellation } from '../store/types.js';
import { builtinTrainers, type TrainerModules, type TrainerRegistry } from '../trainers/index.js';
import { type CancelDeps, cancelRun, cancelSweep } from './cancel.js';
import { EarlyStopJudge } from './early-stop.js';
import { RunExecution, type RunLogger } from './execution.js';
import { LiveHub } from './hub.js';
import { loadStart, renewLeases } from './leases.js';
import { RunMetrics } from './metrics.js';
import { RunNotifier } from './notify.js';
import { RemoteRunFeed } from './notify-feed.js';
import {
  type CompiledRunSchedulerOptions,
  compileRunSchedulerOptions,
  type RunSchedulerOptions,
} from './options.js';
import { WorkerPool } from './pool.js';
import { preflightRuns } from './preflight.js';
import { createRunSink, drainExecutions } from './shutdown.js';
import type { MetricSink } from './sink.js';
import { type WatchEvent, type WatchOptions, watchRun } from './watch.js';
import { Control, type WorkerBackend } from './worker/protocol.js';

export interface RunSchedulerDeps {
  readonly store: Store;
  /** Registry for the run metrics (see `metrics.ts`); never the global one. */
  readonly registry: Registry;
  /** Default: silent. */
  readonly logger?: RunLogger;
  /**
   * What runs may read: checked at launch (`preflightRuns`) and carried to every worker thread in
   * its boot data, where each read checks it again.
   */
  readonly dataRoots: DataRootPolicy;
  /**
   * The trainers of this service, built by `loadTrainerRegistry(trainerModules)` on the main thread
   * (launch preflight, throughput). Default: the built-ins.
   */
  readonly trainers?: TrainerRegistry;
  /** The plugin modules every worker thread loads itself at boot; the same `trainers` was built from. */
  readonly trainerModules?: TrainerModules;
  /**
   * The backend and device the service probed at start (`main.ts`): every worker must get the same,
   * or its boot fails. Default: the first worker's.
   */
  readonly expectBackend?: WorkerBackend;
}

const SILENT: RunLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The use cases of run execution that the server calls: start and stop the replica's training,
 * wake the queue, cancel a run, watch a run's metrics.
 *
 * The queue is the `runs` table in PostgreSQL, shared by every replica: whenever a worker is idle
 * the scheduler claims the oldest QUEUED run (`claimNext`, `FOR UPDATE SKIP LOCKED`) with a lease,
 * on every poll tick and whenever `wake()` is called. Each tick also requeues runs whose replica
 * died (`recoverExpired`). Leases are renewed every `leaseRenewMs`; a run whose lease could not be
 * renewed belongs to another replica by now, so its local attempt is aborted without writing.
 * A claimed run with a checkpoint resumes from the latest one (its sha256 is verified first); a
 * run with an init_from and none of its own starts from the checkpoint it names.
 *
 * A run of a sweep with early stopping is judged at its rungs (`early-stop.ts`, ASHA): the worker
 * waits at each while this replica decides in a transaction, and a run stopped there ends
 * STOPPED_EARLY after a final checkpoint; one found stopped when claimed ends so at once.
 *
 * Replicas tell each other through PostgreSQL NOTIFY (`notify.ts`) when a run's points are stored,
 * when it ends and when its cancel was requested, so a watcher on any replica streams live and a
 * cancel reaches the training replica at once.
 *
 * `stop()` is graceful: stop claiming; ask every running run to suspend (checkpoint, then release
 * it to the queue, where this or another replica resumes it); after `shutdownGraceMs` kill the
 * threads that have not finished (those runs are released too and resume from their previous
 * checkpoint); flush the metric sink; end the threads.
 */
export class RunScheduler {
  readonly hub: LiveHub;
  private readonly options: CompiledRunSchedulerOptions;
  private readonly store: Store;
  private readonly logger: RunLogger;
  private readonly dataRoots: DataRootPolicy;
  private readonly trainers: TrainerRegistry;
  /** What this replica claims from the queue: the registry is fixed at start, so named once. */
  private readonly trainerNames: readonly string[];
  private readonly trainerModules: TrainerModules | undefined;
  private readonly expectBackend: WorkerBackend | undefined;
  private readonly metrics: RunMetrics;
  private readonly sink: MetricSink;
  private readonly notifier: RunNotifier;
  private readonly feed: RemoteRunFeed;
  private readonly earlyStop: EarlyStopJudge;
  private pool: WorkerPool | null = null;
  private readonly executions = new Map<string, RunExecution>();
  private timers: NodeJS.Timeout[] = [];
  private filling: Promise<void> | null = null;
  private refill = false;
  private stopping = false;

  /** Validates the options (INVALID_ARGUMENT) and builds everything; nothing starts until `start()`. */
  constructor(options: RunSchedulerOptions, deps: RunSchedulerDeps) {
    this.options = compileRunSchedulerOptions(options);
    this.store = deps.store;
    this.logger = deps.logger ?? SILENT;
    this.dataRoots = deps.dataRoots;
    this.trainers = deps.trainers ?? builtinTrainers;
    this.trainerNames = this.trainers.list().map((t) => t.name);
    this.trainerModules = deps.trainerModules;
    this.expectBackend = deps.expectBackend;
    this.metrics = new RunMetrics(deps.registry, deps.store.runs);
    this.hub = new LiveHub({ maxBufferedPoints: this.options.watchBufferPoints });
    this.notifier = new RunNotifier(deps.store.notifications, this.logger);
    this.feed = new RemoteRunFeed({
      notifications: deps.store.notifications,
      hub: this.hub,
      isLocal: (runId) => this.executions.has(runId),
      onCancel: (runId) => this.executions.get(runId)?.signal(Control.cancel),
      logger: this.logger,
    });
    this.earlyStop = new EarlyStopJudge(deps.store);
    this.sink = createRunSink(deps.store.metrics, this.options, this.metrics, this.notifier, this.logger);
  }

  /** Compiled options, for logs and tests. */
  get settings(): CompiledRunSchedulerOptions {
    return this.options;
  }

  /** Ids of the runs training on this replica now. */
  get activeRunIds(): string[] {
    return [...this.executions.keys()];
  }

  /** Starts the worker threads (each selects its backend) and begins claiming queued runs. */
  async start(): Promise<void> {
    if (this.pool !== null) return;
    const { workers, workerNice, backend, workerFlushMs, workerFlushPoints, pollMs, leaseRenewMs } =
      this.options;
    this.pool = await WorkerPool.start({
      size: workers,
      boot: {
        backend,
        flushIntervalMs: workerFlushMs,
        flushPoints: workerFlushPoints,
        nice: workerNice,
        dataRoots: this.dataRoots,
        ...(this.trainerModules === undefined ? {} : { trainerModules: this.trainerModules }),
        ...(this.expectBackend === undefined ? {} : { expect: this.expectBackend }),
      },
      onWorkerEvent: (event) => {
        if (event.kind === 'ready') {
          this.metrics.setBackendInfo(event);
          this.logger.debug(
            {
              backend: event.backend,
              device: event.device,
              adapter: event.adapter,
              rejected: event.rejected,
              priority: event.priority,
            },
            'training worker ready',
          );
          for (const note of event.notes) this.logger.warn({ backend: event.backend }, note);
          if (!event.priority.applied && workerNice !== 0)
            this.logger.warn({ reason: event.priority.reason }, 'training thread priority not lowered');
        } else {
          this.logger.error({ detail: event.detail }, `training worker ${event.kind}`);
        }
      },
    });
    this.logger.info(
      { workers, backends: this.pool.backends, owner: this.options.owner },
      'run scheduler started',
    );
    this.timers = [
      setInterval(() => void this.tick(), pollMs),
      setInterval(() => void this.renewLeases(), leaseRenewMs),
    ];
    for (const t of this.timers) t.unref();
    this.feed.start();
    void this.tick();
  }

  /** A run was queued: claim now instead of at the next poll. */
  wake(): void {
    void this.fill();
  }

  /** CancelRun (see `cancel.ts`): graceful, signalled here when the run trains on this replica. */
  cancel(project: string, runId: string): Promise<RunRecord> {
    return cancelRun(this.cancelDeps(), project, runId);
  }

  /** CancelSweep (see `cancel.ts`): every unfinished run of the sweep, in one statement. */
  cancelSweep(project: string, sweepId: string): Promise<SweepCancellation> {
    return cancelSweep(this.cancelDeps(), project, sweepId);
  }

  private cancelDeps(): CancelDeps {
    return {
      store: this.store,
      hub: this.hub,
      notifier: this.notifier,
      local: (runId) => this.executions.get(runId),
    };
  }

  /** StreamMetrics (see `watch.ts`): replay, then live, then the final status. */
  watch(run: RunRecord, options: WatchOptions): AsyncIterable<WatchEvent> {
    const { watchBufferPoints, watchPollMs, replayBatchSize } = this.options;
    return watchRun(
      {
        store: this.store,
        hub: this.hub,
        sink: this.sink,
        bufferPoints: watchBufferPoints,
        pollMs: watchPollMs,
        replayBatchSize,
      },
      run,
      options,
    );
  }

  /** Graceful shutdown (see the class docs). Idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    await this.filling;
    const running = [...this.executions.values()];
    for (const e of running) {
      e.stopReason = 'shutdown';
      e.signal(Control.suspend);
    }
    await drainExecutions(running, {
      graceMs: this.options.shutdownGraceMs,
      isActive: (e) => this.executions.has(e.run.id),
      logger: this.logger,
    });
    await this.sink
      .close()
      .catch((error: unknown) => this.logger.error({ err: error }, 'final metric flush failed'));
    await this.pool?.close();
    await this.feed.close();
    this.logger.info({}, 'run scheduler stopped');
  }

  private async tick(): Promise<void> {
    if (this.stopping) return;
    try {
      const recovered = await this.store.runs.recoverExpired(this.options.maxAttempts);
      if (Object.values(recovered).some((n) => n > 0)) {
        this.logger.warn(recovered, 'recovered runs whose lease expired');
      }
    } catch (error) {
      this.logger.error({ err: error }, 'could not recover expired runs');
    }
    await this.fill();
  }

  /** Claims runs while a worker is idle. One claim loop at a time; a wake during it loops again. */
  private fill(): Promise<void> {
    if (this.filling !== null) {
      this.refill = true;
      return this.filling;
    }
    this.filling = (async () => {
      do {
        this.refill = false;
        while (!this.stopping && this.pool !== null && this.pool.idle > 0) {
          const run = await this.store.runs.claimNext(
            this.options.owner,
            this.options.leaseMs,
            this.trainerNames,
          );
          if (run === null) break;
          await this.launch(run);
        }
      } while (this.refill && !this.stopping);
    })()
      .catch((error: unknown) => this.logger.error({ err: error }, 'could not claim queued runs'))
      .finally(() => {
        this.filling = null;
      });
    return this.filling;
  }

  private async launch(run: RunRecord): Promise<void> {
    const { owner } = this.options;
    try {
      if (run.cancelRequested) {
        await this.endUnstarted(run, 'CANCELLED', null);
        return;
      }
      // Judged and stopped by ASHA before its last attempt ended: it stays stopped.
      const earlyStop = await this.earlyStop.plan(run);
      if (earlyStop.kind === 'stopped') {
        await this.endUnstarted(run, 'STOPPED_EARLY', null);
        return;
      }
      // Queued under another policy or with data gone since: fail it here, not in a worker.
      await preflightRuns([run.spec], this.dataRoots, this.trainers);
      const start = await loadStart(this.store, run);
      const pool = this.pool;
      if (pool === null || pool.idle === 0) {
        // The worker died between the claim and now: give the run back rather than fail it.
        await this.store.runs.release(run.id, owner);
        return;
      }
      const execution = new RunExecution(
        {
          store: this.store,
          sink: this.sink,
          hub: this.hub,
          metrics: this.metrics,
          logger: this.logger,
          owner,
          progressIntervalMs: this.options.progressIntervalMs,
          maxAttempts: this.options.maxAttempts,
          announce: (runId, status) => this.notifier.finished(runId, status),
          trainers: this.trainers,
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
      this.executions.set(run.id, execution);
      this.hub.publishStatus(run.id, 'RUNNING');
      void execution.settled.finally(() => {
        this.executions.delete(run.id);
        if (!this.stopping) void this.fill();
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error({ runId: run.id, err: error }, 'could not start the run');
      await this.endUnstarted(run, 'FAILED', `could not start: ${reason}`).catch(() => undefined);
    }
  }

  /** Ends a claimed run that never reached a worker, and tells watchers and the other replicas. */
  private async endUnstarted(
    run: RunRecord,
    status: 'CANCELLED' | 'FAILED' | 'STOPPED_EARLY',
    error: string | null,
  ): Promise<void> {
    const ended = await this.store.runs.finish(run.id, this.options.owner, status, error);
    this.hub.publishStatus(run.id, ended.status, ended.error);
    this.notifier.finished(run.id, ended.status);
  }

  private async renewLeases(): Promise<void> {
    if (this.executions.size === 0 || this.stopping) return;
    await renewLeases(this.store, this.options, this.executions, this.logger);
  }
}
