import { invalidArgument } from '../core/index.js';
import { SWEEP_LIMITS } from './limits.js';
import type { Objective, ObjectiveMode, RequestedObjective } from './types.js';

export const DEFAULT_METRIC = 'test_accuracy';
const METRIC_NAME = /^[A-Za-z0-9_./-]+$/;

/**
 * The default mode of a metric: errors and losses are minimised (the Neural GPU's sequence error of
 * Table 5), everything else (accuracies, Table 1) maximised.
 */
export function defaultMode(metric: string): ObjectiveMode {
  return /(loss|error)$/.test(metric) ? 'min' : 'max';
}

/** Validates a metric name (the objective's, or one asked for by GetSweepCurves). */
export function checkMetricName(field: string, metric: string): string {
  if (metric.length === 0 || metric.length > SWEEP_LIMITS.maxMetricLength || !METRIC_NAME.test(metric)) {
    throw invalidArgument(
      field,
      metric,
      `a metric name of 1-${SWEEP_LIMITS.maxMetricLength} characters from [A-Za-z0-9_./-]`,
    );
  }
  return metric;
}

/**
 * Validates a requested objective and fills its defaults; errors name `objective.*` fields.
 *
 * Without `fallback` (StartSweep): test_accuracy, the metric's default mode, no thresholds. With
 * `fallback`, the sweep's own objective (GetSweep's override): an empty metric is the fallback's, an
 * unset mode is the fallback's when the metric is the fallback's, else the metric's default; the
 * thresholds are taken as given.
 */
export function compileObjective(requested: RequestedObjective | undefined, fallback?: Objective): Objective {
  const metric = checkMetricName('objective.metric', requested?.metric || fallback?.metric || DEFAULT_METRIC);
  const thresholds = requested?.thresholds ?? [];
  if (thresholds.length > SWEEP_LIMITS.maxThresholds) {
    throw invalidArgument(
      'objective.thresholds',
      `${thresholds.length} thresholds`,
      `at most ${SWEEP_LIMITS.maxThresholds}`,
    );
  }
  thresholds.forEach((t, i) => {
    if (!Number.isFinite(t)) throw invalidArgument(`objective.thresholds[${i}]`, t, 'a finite number');
  });
  const mode = requested?.mode ?? (metric === fallback?.metric ? fallback.mode : defaultMode(metric));
  return { metric, mode, thresholds: [...thresholds] };
}

/** Whether `value` reaches `threshold` under `mode` (>= for max, <= for min). */
export function reaches(mode: ObjectiveMode, value: number, threshold: number): boolean {
  return mode === 'max' ? value >= threshold : value <= threshold;
}

/** The better of two objective values under `mode`. */
export function better(mode: ObjectiveMode, a: number, b: number): number {
  return mode === 'max' ? Math.max(a, b) : Math.min(a, b);
}
