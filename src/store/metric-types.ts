import type { MetricPoint } from '../core/index.js';
import type { Page } from './run-types.js';

/** The metric half of the persistence contract (`types.ts` re-exports it). */

export interface MetricRepository {
  /** Inserts or updates points; unique on (runId, name, step), so retries never duplicate. */
  upsertMany(points: readonly MetricPoint[]): Promise<void>;
  /**
   * Streams stored points with step > sinceStep, ordered by (step, name), in batches of at most
   * `batchSize`, using keyset pagination so a million points never sit in memory at once.
   */
  replay(
    runId: string,
    options: { sinceStep: number; names?: readonly string[]; batchSize?: number },
  ): AsyncIterable<MetricPoint[]>;
  /**
   * One page of the run's stored points in (step, name) order (GetRunMetrics). `pageSize` 0 means
   * 1000, at most 10,000. A token not issued for this same run and query is INVALID_ARGUMENT on
   * `page_token`; a step out of [0, 2^31 - 1] on `from_step` or `to_step`. An unknown run has none.
   */
  page(
    runId: string,
    query: MetricPageQuery,
    pageSize: number,
    pageToken: string,
  ): Promise<Page<MetricPoint>>;
  /**
   * The stored summaries of the runs' metrics (only `names`, when given and non-empty), ordered by
   * run id, then name. Kept as points are written, so this reads one row per metric.
   */
  summaries(runIds: readonly string[], names?: readonly string[]): Promise<MetricSummary[]>;
}

/** Which points a page of `MetricRepository.page` holds. */
export interface MetricPageQuery {
  /** Only these names; every name when empty. */
  readonly names: readonly string[];
  /** The first and last step (both included), each in [0, 2^31 - 1]. */
  readonly fromStep: number;
  readonly toStep: number;
}

/** A value and the step it was recorded at. */
export interface StepValue {
  readonly step: number;
  readonly value: number;
}

/**
 * A run's summary of one metric over all its stored points (table metric_summaries). NaN and ±∞
 * are counted and may be `last`; `lastFinite`, `min` and `max` cover finite values only and are
 * null when the metric has none. A min or max reached at several steps names the first.
 */
export interface MetricSummary {
  readonly runId: string;
  readonly name: string;
  /** Stored points, non-finite ones included. */
  readonly count: number;
  /** Of those, how many are NaN or ±∞. */
  readonly nonFiniteCount: number;
  /** The point at the highest step, whatever its value. */
  readonly last: StepValue;
  readonly lastFinite: StepValue | null;
  readonly min: StepValue | null;
  readonly max: StepValue | null;
}
