import { describe, expect, it } from 'vitest';
import {
  formatTable5,
  longTestErrorMetric,
  TABLE5_PAPER,
  TABLE5_THRESHOLDS,
  table5Counts,
} from '../../../../src/trainers/neural_gpu/index.js';

describe('table5Counts', () => {
  it('counts runs below each threshold, cumulatively, per noise setting', () => {
    const table = table5Counts([
      { noise: false, longTestError: 0.005 }, // < 1 %
      { noise: false, longTestError: 0.04 }, // < 5 % only
      { noise: false, longTestError: 0.5 }, // fails
      { noise: true, longTestError: 0 }, // < 1 %
      { noise: true, longTestError: 0.015 }, // < 2 %
      { noise: true, longTestError: 0.025 }, // < 3 %
      { noise: true, longTestError: 0.049 }, // < 5 %
      { noise: true, longTestError: Number.NaN }, // diverged: fails
    ]);
    expect(table.thresholds).toEqual([0.01, 0.02, 0.03, 0.05]);
    expect(table.rows).toEqual([
      { setting: 'No Noise', trials: 3, successes: [1, 1, 1, 2] },
      { setting: 'With Noise', trials: 5, successes: [1, 2, 3, 4] },
    ]);
  });

  it('is strict at the threshold: exactly 1 % is not below 1 %', () => {
    const table = table5Counts([{ noise: true, longTestError: 0.01 }]);
    expect(table.rows[1].successes).toEqual([0, 1, 1, 1]);
  });

  it('returns zero rows for no results', () => {
    const table = table5Counts([]);
    expect(table.rows.map((r) => [r.trials, ...r.successes])).toEqual([
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ]);
  });

  it('reproduces the paper layout from synthetic runs matching its counts', () => {
    // One run per success band, so the cumulative counts equal Table 5 of the paper.
    const runs = (noise: boolean, counts: readonly number[]) => {
      const out: { noise: boolean; longTestError: number }[] = [];
      let previous = 0;
      counts.forEach((count, i) => {
        const error = (TABLE5_THRESHOLDS[i] ?? 1) - 0.001;
        for (let k = previous; k < count; k += 1) out.push({ noise, longTestError: error });
        previous = count;
      });
      while (out.length < TABLE5_PAPER.trials) out.push({ noise, longTestError: 0.9 });
      return out;
    };
    const table = table5Counts([...runs(false, TABLE5_PAPER.noNoise), ...runs(true, TABLE5_PAPER.withNoise)]);
    expect(table.rows[0]).toEqual({ setting: 'No Noise', trials: 7290, successes: [28, 90, 172, 387] });
    expect(table.rows[1]).toEqual({ setting: 'With Noise', trials: 7290, successes: [58, 159, 282, 570] });
    expect(formatTable5(table)).toBe(
      [
        '| Setting | Runs | Error < 1% | Error < 2% | Error < 3% | Error < 5% |',
        '|---|---|---|---|---|---|',
        '| No Noise | 7290 | 28 | 90 | 172 | 387 |',
        '| With Noise | 7290 | 58 | 159 | 282 | 570 |',
      ].join('\n'),
    );
  });

  it.each([[-0.1], [1.5], [Number.POSITIVE_INFINITY]])('rejects an error of %d naming the entry', (error) => {
    expect(() =>
      table5Counts([
        { noise: true, longTestError: 0.1 },
        { noise: false, longTestError: error },
      ]),
    ).toThrow(/^results\[1\]\.longTestError: got .*; allowed: a fraction in \[0, 1\]/);
  });
});

describe('longTestErrorMetric', () => {
  it('is the sequence error at the longest test length', () => {
    expect(longTestErrorMetric({ testLengths: [20, 200, 40] })).toBe('test_seq_error_len200');
    expect(longTestErrorMetric({ testLengths: [] })).toBeNull();
  });
});
