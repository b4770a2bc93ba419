import type { MetricPoint, RunStatus } from '../core/index.js';
import type { RunRecord, SweepCancellation } from '../store/types.js';

/** One event of a metrics watch: a batch of points (replayed or live), or the end of the run. */
export type WatchEvent =
  | { readonly kind: 'points'; readonly points: readonly MetricPoint[]; readonly status: RunStatus }
  | { readonly kind: 'end'; readonly status: RunStatus };

/**
 * What the server needs from run execution (implemented by `src/runs`' scheduler): wake the queue,
 * cancel, and watch a run's metrics (replay from PostgreSQL, then live, then the final status).
 */
export interface RunControl {
  /** A run was queued: look for work now rather than at the next poll. */
  wake(): void;
  /** Cancels gracefully (see CancelRun). NOT_FOUND / FAILED_PRECONDITION as documented. */
  cancel(project: string, runId: string): Promise<RunRecord>;
  /** Cancels every unfinished run of the sweep gracefully (see CancelSweep); NOT_FOUND as documented. */
  cancelSweep(project: string, sweepId: string): Promise<SweepCancellation>;
  /**
   * Points with step > sinceStep (filtered by `names` when not empty), replayed in (step, name) order,
   * then live ones with no gap or duplicate at the seam; ends with `end` once the run is terminal.
   * Throws AppError('RESOURCE_EXHAUSTED') from the iterator when the watcher lags too far behind.
   * Stops and frees everything when `signal` aborts.
   */
  watch(
    run: RunRecord,
    options: { readonly sinceStep: number; readonly names: readonly string[]; readonly signal: AbortSignal },
  ): AsyncIterable<WatchEvent>;
}
