import type { MetricPoint } from '../../core/index.js';
import { findMetric, type MetricDeclaration } from '../../trainers/index.js';

/** A declared-finite metric was NaN or ±∞: the attempt ends FAILED with this message. */
export class NonFinite extends Error {}

function checkFinite(step: number, name: string, value: number): void {
  if (!Number.isFinite(value))
    throw new NonFinite(`step ${step}: ${name} is ${value}; a non-finite loss ends the run`);
}

/** The finiteness checks a trainer's declarations ask for, resolved once per attempt. */
export class FiniteChecks {
  /** Per-step metrics that every step must report finite. */
  readonly #required: readonly string[];
  readonly #metrics: readonly MetricDeclaration[];

  constructor(metrics: readonly MetricDeclaration[]) {
    this.#metrics = metrics.filter((metric) => metric.finite === true);
    this.#required = this.#metrics
      .filter((metric) => metric.when === 'step' && !metric.name.includes('{'))
      .map((metric) => metric.name);
  }

  step(step: number, values: ReadonlyMap<string, number>): void {
    for (const name of this.#required) checkFinite(step, name, values.get(name) ?? Number.NaN);
  }

  /**
   * An evaluation's values: every name declared finite, per evaluation or per step (an evaluation
   * that reports a per-step name overrides the step's checked value, so it is checked too).
   */
  evaluation(step: number, evaluated: ReadonlyArray<readonly [string, number]>): void {
    for (const [name, value] of evaluated) {
      const declared =
        findMetric(this.#metrics, name, 'evaluation') ?? findMetric(this.#metrics, name, 'step');
      if (declared !== undefined) checkFinite(step, name, value);
    }
  }
}

/**
 * A step's merged values as metric points. Non-finite values are not points (they cannot be
 * stored or charted); those a trainer declared finite have already failed the attempt.
 */
export function toPoints(
  runId: string,
  step: number,
  values: ReadonlyMap<string, number>,
  timeMs: number,
): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const [name, value] of values)
    if (Number.isFinite(value)) points.push({ runId, step, name, value, timeMs });
  return points;
}
