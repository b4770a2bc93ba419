import { CHECKPOINT_FORMAT } from '../checkpoint/index.js';
import { AppError } from '../core/index.js';
import type { RunRecord } from '../store/types.js';
import { builtinTrainers, type TrainerRegistry } from '../trainers/index.js';
import type { ExecutionDeps, StopReason } from './execution-deps.js';
import type { ActiveJob } from './pool.js';
import { settleRun } from './settle-run.js';
import { Control, type FromWorker, type RunOutcome } from './worker/protocol.js';

/**
 * The main-thread side of one claimed run while a worker trains it: it turns the worker's messages
 * into store writes (checkpoints in order, throttled progress), sink points, hub events and
 * Prometheus samples, and when the worker finishes it settles the run in the store as its outcome
 * says (the table at `settleRun`, `settle-run.ts`).
 *
 * Checkpoint saves and the metric flush complete before the run is settled, so a watcher that
 * sees the final status can replay every point, and a resumed attempt finds the last checkpoint.
 * A checkpoint is saved only once the metric points before it are stored: an attempt that resumes
 * from it recomputes every later step, so a replica killed at any moment leaves no gap in the
 * stored series (and the primary key leaves no duplicate).
 */
export class RunExecution {
  readonly run: RunRecord;
  readonly settled: Promise<void>;
  stopReason: StopReason | null = null;
  private readonly deps: ExecutionDeps;
  private readonly job: ActiveJob;
  private readonly trainer: string;
  private readonly batchSize: number | null;
  private backend = 'unknown';
  private device: string | null = null;
  private step = 0;
  private lastProgressAt = 0;
  private writes: Promise<void> = Promise.resolve();

  constructor(deps: ExecutionDeps, run: RunRecord, start: (listener: (m: FromWorker) => void) => ActiveJob) {
    this.deps = deps;
    this.run = run;
    this.trainer = run.spec.trainer;
    this.batchSize = examplesPerStep(deps.trainers ?? builtinTrainers, run.spec);
    this.job = start((message) => this.onMessage(message));
    this.settled = this.job.done.then((outcome) => this.settle(outcome));
  }

  signal(value: (typeof Control)[keyof typeof Control]): void {
    this.job.signal(value);
  }

  /** Stops the thread at once (shutdown grace exceeded); the run is released. */
  kill(): Promise<void> {
    this.stopReason ??= 'shutdown';
    return this.job.kill();
  }

  private enqueue(what: string, write: () => Promise<void>): void {
    this.writes = this.writes.then(write).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'FAILED_PRECONDITION' && this.stopReason === null) {
        // The store says we no longer hold the run: another replica recovered it.
        this.deps.logger.warn({ runId: this.run.id, err: error }, 'lease lost; stopping the local attempt');
        this.stopReason = 'lease-lost';
        this.job.signal(Control.abort);
        return;
      }
      this.deps.logger.error({ runId: this.run.id, err: error }, `could not ${what}`);
    });
  }

  private progress(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastProgressAt < this.deps.progressIntervalMs) return;
    this.lastProgressAt = now;
    const { id } = this.run;
    const step = this.step;
    this.enqueue('record progress', () =>
      this.deps.store.runs.updateProgress(id, this.deps.owner, step, this.backend, this.device),
    );
  }

  private onMessage(message: FromWorker): void {
    const { logger, sink, hub, metrics, store } = this.deps;
    switch (message.type) {
      case 'started':
        this.backend = message.backend;
        this.device = message.device;
        this.step = message.startStep;
        logger.info(
          {
            runId: this.run.id,
            attempt: this.run.attempt,
            backend: message.backend,
            device: message.device,
            fromStep: message.startStep,
          },
          message.startStep > 0 ? 'run resumed from its checkpoint' : 'run started',
        );
        if (message.checkpointBackend !== null && message.checkpointBackend !== message.backend) {
          logger.warn(
            { runId: this.run.id, checkpointBackend: message.checkpointBackend, backend: message.backend },
            'resuming on another backend: the continuation is not bit-identical',
          );
        }
        this.progress(true);
        return;
      case 'metrics': {
        this.step = message.step;
        sink.add(message.points);
        hub.publishPoints(this.run.id, message.points);
        const latest: { loss?: number; noiseStd?: number } = {};
        for (const p of message.points) {
          if (p.name === 'loss') latest.loss = p.value;
          else if (p.name === 'noise_std') latest.noiseStd = p.value;
        }
        metrics.recordBatch(
          { id: this.run.id, trainer: this.trainer, backend: this.backend, batchSize: this.batchSize },
          message.stepSeconds,
          latest,
        );
        this.progress(false);
        return;
      }
      case 'checkpoint': {
        const { step, bytes, sha256, index } = message;
        const meta = {
          runId: this.run.id,
          step,
          sizeBytes: bytes.byteLength,
          sha256,
          format: CHECKPOINT_FORMAT,
          index,
        };
        this.enqueue(`save the checkpoint at step ${step}`, async () => {
          // Points first (see above); retention also ranks a checkpoint by its step's values.
          await sink.flush();
          const { pruned } = await store.checkpoints.save(meta, bytes, this.run.spec.retention);
          if (pruned.length > 0) logger.debug({ runId: this.run.id, step, pruned }, 'checkpoints pruned');
        });
        return;
      }
      case 'gate':
        this.judgeGate(message.step, message.value);
        return;
      case 'finished':
        if (message.leakedTensors !== 0) {
          logger.warn({ runId: this.run.id, tensors: message.leakedTensors }, 'the trainer leaked tensors');
        }
        this.step = message.step;
        return;
    }
  }

  /**
   * The worker waits at a rung: judge, set `stop` when it is to stop, then open the gate. A judgement
   * that fails lets the run go on (logged): a database outage must not stall training.
   */
  private judgeGate(step: number, value: number): void {
    const { judge, logger } = this.deps;
    if (judge === undefined) {
      this.job.openGate();
      return;
    }
    judge(step, value)
      .then((stop) => {
        if (stop) this.job.signal(Control.stop);
        logger.info(
          { runId: this.run.id, step, value, stop },
          stop ? 'stopped early at a rung' : 'rung passed',
        );
      })
      .catch((error: unknown) =>
        logger.error({ runId: this.run.id, step, err: error }, 'could not judge the rung'),
      )
      .finally(() => this.job.openGate());
  }

  private async settle(outcome: RunOutcome): Promise<void> {
    const { sink, metrics, logger } = this.deps;
    const { id } = this.run;
    await this.writes;
    await sink.flush().catch((error: unknown) => {
      logger.error({ runId: id, err: error }, 'metric points of the run could not be written');
    });
    metrics.forgetRun(id, this.trainer);
    const { stopReason, step, backend, device } = this;
    await settleRun(this.deps, this.run, { outcome, stopReason, step, backend, device });
  }
}

/**
 * Examples one step of a stored run consumes, as its trainer declares, for the throughput metric;
 * `null` when that trainer is not registered on this replica.
 */
function examplesPerStep(trainers: TrainerRegistry, spec: RunRecord['spec']): number | null {
  try {
    const examples = trainers.get(spec.trainer).examplesPerStep(spec.trainerConfig);
    return Number.isFinite(examples) ? examples : null;
  } catch {
    return null;
  }
}
