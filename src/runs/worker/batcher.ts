import type { MetricPoint } from '../../core/index.js';
import type { FromWorker } from './protocol.js';

/**
 * Collects a worker's metric points and step timings and posts them to the main thread in batches:
 * when `flushPoints` are pending or `flushIntervalMs` passed since the last post. It is polled at
 * step boundaries (training is synchronous, so a timer could not fire mid-loop), which also keeps
 * every step's points, evaluation included, in one batch.
 */
export class PointBatcher {
  private points: MetricPoint[] = [];
  private stepSeconds: number[] = [];
  private lastPost = performance.now();
  private readonly runId: string;
  private readonly post: (message: FromWorker) => void;
  private readonly flushIntervalMs: number;
  private readonly flushPoints: number;

  constructor(
    runId: string,
    post: (message: FromWorker) => void,
    options: { readonly flushIntervalMs: number; readonly flushPoints: number },
  ) {
    this.runId = runId;
    this.post = post;
    this.flushIntervalMs = options.flushIntervalMs;
    this.flushPoints = options.flushPoints;
  }

  add(points: readonly MetricPoint[], stepSeconds?: number): void {
    for (const p of points) this.points.push(p);
    if (stepSeconds !== undefined) this.stepSeconds.push(stepSeconds);
  }

  /** Posts when a batch is due. Call between steps. */
  maybeFlush(step: number): void {
    if (this.points.length >= this.flushPoints || performance.now() - this.lastPost >= this.flushIntervalMs) {
      this.flush(step);
    }
  }

  /** Posts whatever is pending (also an empty batch: it carries progress). */
  flush(step: number): void {
    this.post({
      type: 'metrics',
      runId: this.runId,
      step,
      points: this.points,
      stepSeconds: this.stepSeconds,
    });
    this.points = [];
    this.stepSeconds = [];
    this.lastPost = performance.now();
  }
}
