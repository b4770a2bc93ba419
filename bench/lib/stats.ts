/** Small statistics for benchmark reports. Every function takes finite numbers and copies its input. */

import { mulberry32 } from '../../test/helpers/random.js';

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** The q-quantile (0 ≤ q ≤ 1) by linear interpolation between closest ranks; NaN when empty. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = s[lo] as number;
  const b = s[hi] as number;
  return a + (b - a) * (pos - lo);
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/**
 * Least-squares slope of `ys` against `xs` (same length, at least two distinct xs), and the
 * standard error of that slope (NaN with fewer than three points).
 */
export function linearFit(
  xs: readonly number[],
  ys: readonly number[],
): { slope: number; intercept: number; stderr: number } {
  const n = Math.min(xs.length, ys.length);
  const mx = mean(xs.slice(0, n));
  const my = mean(ys.slice(0, n));
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i += 1) {
    const dx = (xs[i] as number) - mx;
    sxx += dx * dx;
    sxy += dx * ((ys[i] as number) - my);
  }
  const slope = sxx === 0 ? Number.NaN : sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i += 1) sse += ((ys[i] as number) - intercept - slope * (xs[i] as number)) ** 2;
  const stderr = n > 2 && sxx > 0 ? Math.sqrt(sse / (n - 2) / sxx) : Number.NaN;
  return { slope, intercept, stderr };
}

/** `a[i] / b[i]` for each index both have: ratios of blocks that ran side by side. */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.min(a.length, b.length);
  return Array.from({ length: n }, (_, i) => (a[i] as number) / (b[i] as number));
}

/** `1.234 (IQR 1.1–1.3)`: median and interquartile range of paired ratios. */
export function describeRatios(ratios: readonly number[], digits = 3): string {
  return `${median(ratios).toFixed(digits)} (IQR ${quantile(ratios, 0.25).toFixed(digits)}–${quantile(ratios, 0.75).toFixed(digits)})`;
}

/** `xs` in consecutive groups of `size` (the last may be shorter). */
export function chunks<T>(xs: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(xs.length / size) }, (_, i) => xs.slice(i * size, (i + 1) * size));
}

/**
 * A percentile-bootstrap confidence interval (default 95 %) for the median of `groups` pooled,
 * resampling whole groups: the ratios of one group (say one block of phases) share the host's
 * state of that moment, so resampling them one by one would understate the spread. Seeded, so a
 * report reproduces from its data.
 */
export function bootstrapMedianInterval(
  groups: readonly (readonly number[])[],
  options: { readonly reps?: number; readonly level?: number; readonly seed?: number } = {},
): [number, number] {
  const reps = options.reps ?? 2_000;
  const level = options.level ?? 0.95;
  const nonEmpty = groups.filter((g) => g.length > 0);
  if (nonEmpty.length === 0) return [Number.NaN, Number.NaN];
  const random = mulberry32(options.seed ?? 1);
  const medians: number[] = [];
  for (let r = 0; r < reps; r += 1) {
    const pooled: number[] = [];
    for (let i = 0; i < nonEmpty.length; i += 1)
      pooled.push(...(nonEmpty[Math.floor(random() * nonEmpty.length)] as readonly number[]));
    medians.push(median(pooled));
  }
  return [quantile(medians, (1 - level) / 2), quantile(medians, (1 + level) / 2)];
}
