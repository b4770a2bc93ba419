import { invalidArgument } from '../core/index.js';
import type { SweepCurve } from './types.js';

type CurvePoint = SweepCurve['points'][number];

/** GetSweepCurves' `max_points` when the request leaves it 0. */
export const DEFAULT_CURVE_POINTS = 1000;
export const MAX_CURVE_POINTS = 100_000;

/** `max_points` of a request: 0 means the default; otherwise 2 .. MAX_CURVE_POINTS. */
export function checkMaxPoints(field: string, value: number): number {
  if (value === 0) return DEFAULT_CURVE_POINTS;
  if (!Number.isInteger(value) || value < 2 || value > MAX_CURVE_POINTS) {
    throw invalidArgument(
      field,
      value,
      `0 (for ${DEFAULT_CURVE_POINTS}) or an integer in [2, ${MAX_CURVE_POINTS}]`,
    );
  }
  return value;
}

/**
 * At most `maxPoints` points of an ascending curve: unchanged when it has no more, else one point
 * per non-empty bucket of the step range cut into `maxPoints` buckets of equal width (step s goes
 * to bucket floor((s - first) × maxPoints / span)), carrying the bucket's last step, the
 * runs-weighted mean of its means (the mean of every value in it), the smallest min, the largest
 * max and the most runs of any of its steps. So the envelope [min, max] still holds every value,
 * and the last point is still the curve's last step.
 */
export function thinCurve(points: readonly CurvePoint[], maxPoints: number): readonly CurvePoint[] {
  const first = points[0];
  const last = points[points.length - 1];
  if (first === undefined || last === undefined || points.length <= maxPoints) return points;
  const span = last.step - first.step + 1;
  const out: CurvePoint[] = [];
  let bucket = -1;
  let sum = 0;
  let weight = 0;
  let current: { step: number; min: number; max: number; runs: number } | null = null;
  const close = () => {
    if (current !== null) out.push({ ...current, mean: sum / weight });
  };
  for (const p of points) {
    const b = Math.floor(((p.step - first.step) * maxPoints) / span);
    if (b !== bucket) {
      close();
      bucket = b;
      sum = 0;
      weight = 0;
      current = { step: p.step, min: p.min, max: p.max, runs: p.runs };
    } else if (current !== null) {
      current.step = p.step;
      current.min = Math.min(current.min, p.min);
      current.max = Math.max(current.max, p.max);
      current.runs = Math.max(current.runs, p.runs);
    }
    sum += p.mean * p.runs;
    weight += p.runs;
  }
  close();
  return out;
}
