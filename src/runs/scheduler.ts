import type { Registry } from 'prom-client';
import type { DataRootPolicy } from '../data/index.js';
import type { RunRecord, Store, SweepCancellation } from '../store/types.js';
import { builtinTrainers, type TrainerModules, type TrainerRegistry } from '../trainers/index.js';
import { type CancelDeps, cancelRun, cancelSweep } from './cancel.js';
import { ClaimLoop } from './claim-loop.js';
import { EarlyStopJudge } from './early-stop.js';
import type { RunExecution } from './execution.js';
import type { RunLogger } from './execution-deps.js';
import { LiveHub } from './hub.js';
import { renewLeases } from './leases.js';
import { RunMetrics } from './metrics.js';
import { RunNotifier } from './notify.js';
import { RemoteRunFeed } from './notify-feed.js';
import {
  type CompiledRunSchedulerOptions,
  compileRunSchedulerOptions,
  type RunSchedulerOptions,
} from './options.js';
import type { WorkerPool } from './pool.js';
import { createRunSink, drainExecutions } from './shutdown.js';
import type { MetricSink } from './sink.js';
import { startWorkers } from './start-workers.js';
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
 * on every poll tick and whenever `wake()` is called (`claim-loop.ts`). Each tick also requeues runs whose replica
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
  private readonly trainerModules: TrainerModules | undefined;
  private readonly expectBackend: WorkerBackend | undefined;
  private readonly metrics: RunMetrics;
  private readonly sink: MetricSink;
  private readonly notifier: RunNotifier;
  private readonly feed: RemoteRunFeed;
  private readonly claims: ClaimLoop;
  private pool: WorkerPool | null = null;
  private readonly executions = new Map<string, RunExecution>();
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;

  /** Validates the options (INVALID_ARGUMENT) and builds everything; nothing starts until `start()`. */
  constructor(options: RunSchedulerOptions, deps: RunSchedulerDeps) {
    this.options = compileRunSchedulerOptions(options);
    this.store = deps.store;
    this.logger = deps.logger ?? SILENT;
    this.dataRoots = deps.dataRoots;
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
    this.sink = createRunSink(deps.store.metrics, this.options, this.metrics, this.notifier, this.logger);
    this.claims = new ClaimLoop({
      store: deps.store,
      options: this.options,
      logger: this.logger,
      dataRoots: deps.dataRoots,
      trainers: deps.trainers ?? builtinTrainers,
      sink: this.sink,
      hub: this.hub,
      metrics: this.metrics,
      notifier: this.notifier,
      earlyStop: new EarlyStopJudge(deps.store),
      pool: () => this.pool,
      executions: this.executions,
    });
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
    const { workers, pollMs, leaseRenewMs } = this.options;
    this.pool = await startWorkers(this.options, {
      dataRoots: this.dataRoots,
      trainerModules: this.trainerModules,
      expectBackend: this.expectBackend,
      metrics: this.metrics,
      logger: this.logger,
    });
    this.logger.info(
      { workers, backends: this.pool.backends, owner: this.options.owner },
      'run scheduler started',
    );
    this.timers = [
      setInterval(() => void this.claims.tick(), pollMs),
      setInterval(() => void this.renewLeases(), leaseRenewMs),
    ];
    for (const t of this.timers) t.unref();
    this.feed.start();
    void this.claims.tick();
  }

  /** A run was queued: claim now instead of at the next poll. */
  wake(): void {
    void this.claims.fill();
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
    await this.claims.stop();
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

  private async renewLeases(): Promise<void> {
    if (this.executions.size === 0 || this.stopping) return;
    await renewLeases(this.store, this.options, this.executions, this.logger);
  }
}
