import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { RUN_STATUSES, type RunStatus } from '../core/index.js';
import type { RunRepository } from '../store/types.js';

/**
 * Prometheus instruments of run execution, registered on an injected registry (never the global
 * one, so each test and each composition root owns its metrics).
 *
 * - `gradnoise_runs{status}` and `gradnoise_queue_depth` are read from the store at scrape time
 *   (one `countByStatus` per scrape, shared by both), so they count every replica's runs.
 * - `gradnoise_training_steps_total{trainer,backend}` and `gradnoise_training_examples_total`:
 *   examples are steps × the trainer config's `batchSize` when it has one (every classifier
 *   trainer does); a trainer without a `batchSize` field adds no examples.
 * - `gradnoise_backend_info{backend,device,vendor,architecture,software}` (value 1): what the
 *   training workers of this replica run on. `device` is the run's one-line device; `vendor` and
 *   `architecture` are the WebGPU adapter's (empty on other backends); `software` is `true` on a
 *   software adapter such as lavapipe. All workers of a replica share one, so it is one series.
 * - `gradnoise_run_loss{run_id,trainer}` and `gradnoise_run_noise_std{run_id,trainer}` exist only
 *   while the run trains here: their label sets are removed when the attempt ends, so the series
 *   count stays bounded by the number of workers.
 */

const STATUSES: readonly RunStatus[] = RUN_STATUSES;

/** Step times from 100 µs to ~100 s. */
const STEP_BUCKETS = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100];
/** Store write times from 1 ms to ~10 s. */
const WRITE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class RunMetrics {
  readonly stepsTotal: Counter<'trainer' | 'backend'>;
  readonly examplesTotal: Counter<'trainer' | 'backend'>;
  readonly stepDuration: Histogram<'trainer'>;
  readonly runLoss: Gauge<'run_id' | 'trainer'>;
  readonly runNoiseStd: Gauge<'run_id' | 'trainer'>;
  readonly metricWriteSeconds: Histogram<'outcome'>;
  readonly metricPointsDropped: Counter;
  readonly backendInfo: Gauge<'backend' | 'device' | 'vendor' | 'architecture' | 'software'>;
  private pendingCounts: Promise<Record<RunStatus, number>> | null = null;

  constructor(registry: Registry, runs: Pick<RunRepository, 'countByStatus'>) {
    const registers = [registry];
    // Both gauges of a scrape share one query: the first collect starts it, the second reuses it.
    const counts = (): Promise<Record<RunStatus, number>> => {
      if (this.pendingCounts === null) {
        this.pendingCounts = runs.countByStatus().finally(() => {
          setImmediate(() => {
            this.pendingCounts = null;
          });
        });
      }
      return this.pendingCounts;
    };
    new Gauge({
      name: 'gradnoise_runs',
      help: 'Runs by status, across every replica (read from the store at scrape time).',
      labelNames: ['status'],
      registers,
      async collect() {
        const byStatus = await counts();
        for (const status of STATUSES) this.set({ status }, byStatus[status] ?? 0);
      },
    });
    new Gauge({
      name: 'gradnoise_queue_depth',
      help: 'Runs waiting in the queue (QUEUED), across every replica.',
      registers,
      async collect() {
        this.set((await counts()).QUEUED ?? 0);
      },
    });
    this.stepsTotal = new Counter({
      name: 'gradnoise_training_steps_total',
      help: 'Optimizer steps trained on this replica.',
      labelNames: ['trainer', 'backend'],
      registers,
    });
    this.examplesTotal = new Counter({
      name: 'gradnoise_training_examples_total',
      help: "Training examples processed on this replica (steps x the trainer config's batchSize).",
      labelNames: ['trainer', 'backend'],
      registers,
    });
    this.stepDuration = new Histogram({
      name: 'gradnoise_step_duration_seconds',
      help: 'Wall time of one training step (forward, backward, noise, update, metric read).',
      labelNames: ['trainer'],
      buckets: STEP_BUCKETS,
      registers,
    });
    this.runLoss = new Gauge({
      name: 'gradnoise_run_loss',
      help: 'Latest training loss of each run training on this replica.',
      labelNames: ['run_id', 'trainer'],
      registers,
    });
    this.runNoiseStd = new Gauge({
      name: 'gradnoise_run_noise_std',
      help: 'Latest gradient-noise standard deviation sigma_t (paper Eq. 1) of each run training here.',
      labelNames: ['run_id', 'trainer'],
      registers,
    });
    this.metricWriteSeconds = new Histogram({
      name: 'gradnoise_metric_write_seconds',
      help: 'Latency of one batched metric write to the store.',
      labelNames: ['outcome'],
      buckets: WRITE_BUCKETS,
      registers,
    });
    this.metricPointsDropped = new Counter({
      name: 'gradnoise_metric_points_dropped_total',
      help: 'Metric points dropped because the write buffer was full (store down or too slow).',
      registers,
    });
    this.backendInfo = new Gauge({
      name: 'gradnoise_backend_info',
      help: 'The tfjs backend and device the training workers of this replica use (value 1).',
      labelNames: ['backend', 'device', 'vendor', 'architecture', 'software'],
      registers,
    });
  }

  /** Sets `gradnoise_backend_info` from a ready worker (the same for every worker of a replica). */
  setBackendInfo(ready: {
    readonly backend: string;
    readonly device: string;
    readonly software: boolean;
    readonly adapter?: { readonly vendor: string; readonly architecture: string };
  }): void {
    const labels = {
      backend: ready.backend,
      device: ready.device,
      vendor: ready.adapter?.vendor ?? '',
      architecture: ready.adapter?.architecture ?? '',
      software: String(ready.software),
    };
    this.backendInfo.set(labels, 1);
  }

  /** Records one metrics batch of a run. */
  recordBatch(
    run: {
      readonly id: string;
      readonly trainer: string;
      readonly backend: string;
      readonly batchSize: number | null;
    },
    stepSeconds: readonly number[],
    latest: { readonly loss?: number; readonly noiseStd?: number },
  ): void {
    const steps = stepSeconds.length;
    if (steps > 0) {
      this.stepsTotal.inc({ trainer: run.trainer, backend: run.backend }, steps);
      if (run.batchSize !== null) {
        this.examplesTotal.inc({ trainer: run.trainer, backend: run.backend }, steps * run.batchSize);
      }
      for (const s of stepSeconds) this.stepDuration.observe({ trainer: run.trainer }, s);
    }
    if (latest.loss !== undefined) this.runLoss.set({ run_id: run.id, trainer: run.trainer }, latest.loss);
    if (latest.noiseStd !== undefined)
      this.runNoiseStd.set({ run_id: run.id, trainer: run.trainer }, latest.noiseStd);
  }

  /** Removes the per-run series of a run that stopped training here. */
  forgetRun(runId: string, trainer: string): void {
    this.runLoss.remove({ run_id: runId, trainer });
    this.runNoiseStd.remove({ run_id: runId, trainer });
  }
}
