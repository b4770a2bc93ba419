import { invalidArgument } from '../../core/index.js';
import type { NeuralGpuConfig } from './config.js';
import { testMetricNames } from './session.js';

/**
 * Paper §4.5, Table 5: how many Neural GPU runs "succeed", i.e. reach a test error on long inputs
 * (trained on length 20, tested on 200) below 1, 2, 3 or 5 %, without and with gradient noise.
 * The thresholds are cumulative: a run at 0.5 % counts in every column.
 */
export const TABLE5_THRESHOLDS = [0.01, 0.02, 0.03, 0.05] as const;

/** Table 5 as printed in the paper (7290 grid-search runs per row), for side-by-side reports. */
export const TABLE5_PAPER = {
  trials: 7290,
  noNoise: [28, 90, 172, 387],
  withNoise: [58, 159, 282, 570],
} as const;

/** One finished run of a sweep. */
export interface Table5Result {
  /** Whether the run trained with gradient noise (η > 0). */
  readonly noise: boolean;
  /**
   * Its error on the longest test length, a fraction in [0, 1] (see {@link longTestErrorMetric}).
   * NaN marks a run that diverged or produced no evaluation: it counts as a failure.
   */
  readonly longTestError: number;
}

export interface Table5Row {
  readonly setting: 'No Noise' | 'With Noise';
  /** Runs in this row. */
  readonly trials: number;
  /** Runs with error below each of {@link TABLE5_THRESHOLDS}, in that order. */
  readonly successes: readonly number[];
}

export interface Table5 {
  readonly thresholds: readonly number[];
  /** `[No Noise, With Noise]`, the paper's row order. */
  readonly rows: readonly [Table5Row, Table5Row];
}

/**
 * Counts successful runs per threshold, with and without noise, in Table 5's layout. Pure.
 * Throws `INVALID_ARGUMENT` naming the entry for an error outside [0, 1] (NaN is allowed).
 */
export function table5Counts(results: readonly Table5Result[]): Table5 {
  const count = (noise: boolean): Table5Row => {
    const successes = TABLE5_THRESHOLDS.map(() => 0);
    let trials = 0;
    for (const result of results) {
      if (result.noise !== noise) continue;
      trials += 1;
      TABLE5_THRESHOLDS.forEach((threshold, i) => {
        // NaN < threshold is false: a diverged run never succeeds.
        if (result.longTestError < threshold) successes[i] = (successes[i] ?? 0) + 1;
      });
    }
    return { setting: noise ? 'With Noise' : 'No Noise', trials, successes };
  };
  results.forEach((result, i) => {
    if (typeof result.noise !== 'boolean') {
      throw invalidArgument(`results[${i}].noise`, result.noise, 'true or false');
    }
    const error = result.longTestError;
    if (typeof error !== 'number' || (!Number.isNaN(error) && !(error >= 0 && error <= 1))) {
      throw invalidArgument(
        `results[${i}].longTestError`,
        error,
        'a fraction in [0, 1], or NaN for a failed run',
      );
    }
  });
  return { thresholds: TABLE5_THRESHOLDS, rows: [count(false), count(true)] };
}

/** The table as Markdown, e.g. for docs/results.md. */
export function formatTable5(table: Table5): string {
  const header = `| Setting | Runs | ${table.thresholds.map((t) => `Error < ${t * 100}%`).join(' | ')} |`;
  const rule = `|---|---|${table.thresholds.map(() => '---').join('|')}|`;
  const rows = table.rows.map((row) => `| ${row.setting} | ${row.trials} | ${row.successes.join(' | ')} |`);
  return [header, rule, ...rows].join('\n');
}

/**
 * The metric a sweep should feed into {@link table5Counts} as `longTestError`: the sequence error
 * at the longest test length (`test_seq_error_len<max>`), the stricter of the two error measures
 * (an example counts as wrong if any result digit is).
 */
export function longTestErrorMetric(config: Pick<NeuralGpuConfig, 'testLengths'>): string | null {
  if (config.testLengths.length === 0) return null;
  return testMetricNames(Math.max(...config.testLengths)).seqError;
}
