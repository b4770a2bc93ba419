import { describe, expect, it } from 'vitest';
import { formatTable, goalRow, infoRow, type SectionResult } from '../../../bench/lib/report.js';
import {
  bootstrapMedianInterval,
  chunks,
  describeRatios,
  linearFit,
  median,
  pairedRatios,
  quantile,
} from '../../../bench/lib/stats.js';

describe('benchmark statistics', () => {
  it('interpolates quantiles between ranks and leaves its input unsorted', () => {
    const xs = [40, 10, 30, 20];
    expect(median(xs)).toBe(25);
    expect(quantile(xs, 0)).toBe(10);
    expect(quantile(xs, 1)).toBe(40);
    expect(quantile(xs, 0.99)).toBeCloseTo(39.7, 10);
    expect(xs).toEqual([40, 10, 30, 20]);
    expect(Number.isNaN(median([]))).toBe(true);
    // Far more samples than fit in a call's arguments (a fan-out run collects millions).
    const many = Array.from({ length: 500_000 }, (_, i) => i);
    expect(quantile(many, 1)).toBe(499_999);
  });

  it('fits the slope of a line and its standard error', () => {
    const x = [1, 2, 3, 4, 5];
    const exact = linearFit(
      x,
      x.map((v) => 3 * v - 2),
    );
    expect(exact.slope).toBeCloseTo(3, 12);
    expect(exact.intercept).toBeCloseTo(-2, 12);
    expect(exact.stderr).toBeCloseTo(0, 12);
    const flat = linearFit(x, [5, 5, 5, 5, 5]);
    expect(flat.slope).toBe(0);
    const noisy = linearFit(x, [1, 3, 2, 4, 3]);
    expect(noisy.slope).toBeCloseTo(0.5, 12);
    expect(noisy.stderr).toBeGreaterThan(0);
  });

  it('pairs ratios block by block and summarises them by median and quartiles', () => {
    expect(pairedRatios([2, 6, 9], [1, 3])).toEqual([2, 2]);
    expect(describeRatios([1, 2, 3, 4, 5], 1)).toBe('3.0 (IQR 2.0–4.0)');
  });
});

describe('chunks', () => {
  it('groups consecutive values, the last group shorter when they do not divide', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks([], 2)).toEqual([]);
  });
});

describe('bootstrap interval of a median', () => {
  it('brackets the pooled median, narrows with more groups, and reproduces from its seed', () => {
    // Groups whose values scatter around 1.03 (a fixed, irregular pattern).
    const groups = (n: number) =>
      Array.from({ length: n }, (_, i) => [1.03 + 0.05 * Math.sin(i * 1.7), 1.03 + 0.03 * Math.cos(i * 2.3)]);
    const few = bootstrapMedianInterval(groups(10));
    const many = bootstrapMedianInterval(groups(160));
    const pooled = median(groups(160).flat());
    expect(many[0]).toBeLessThanOrEqual(pooled);
    expect(many[1]).toBeGreaterThanOrEqual(pooled);
    expect(many[1] - many[0]).toBeLessThan((few[1] - few[0]) / 2);
    expect(bootstrapMedianInterval(groups(10))).toEqual(few);
    expect(bootstrapMedianInterval(groups(10), { seed: 2 })).not.toEqual(few);
    // Identical groups leave nothing to resample.
    expect(bootstrapMedianInterval([[1.5], [1.5]])).toEqual([1.5, 1.5]);
    expect(bootstrapMedianInterval([])).toEqual([Number.NaN, Number.NaN]);
  });

  it('resamples whole groups: three groups far apart give a wide interval however many values each holds', () => {
    const group = (value: number) => Array.from({ length: 50 }, () => value);
    // Resampling the 150 values one by one would put nearly every median at 1.1.
    expect(bootstrapMedianInterval([group(1.0), group(1.1), group(1.2)])).toEqual([1.0, 1.2]);
  });
});

describe('results table', () => {
  it('puts goals beside values, marks misses, and lists notes and failures', () => {
    const base = { loadStart: [1], loadEnd: [1], seconds: 1, data: {} };
    const sections: SectionResult[] = [
      {
        ...base,
        name: 'replay',
        title: 't',
        rows: [
          goalRow('replay a|b', '90 points/s', '≥ 100 points/s', false, 'why'),
          goalRow('other', '5 ms', '≤ 20 ms', true),
          infoRow('plain', 'x'),
        ],
      },
      { ...base, name: 'sweep', title: 't', rows: [], error: 'boom' },
    ];
    const table = formatTable(sections);
    expect(table).toContain('| replay | replay a\\|b | 90 points/s | ≥ 100 points/s | **missed** |');
    expect(table).toContain('| replay | other | 5 ms | ≤ 20 ms | met |');
    expect(table).toContain('| replay | plain | x |  |  |');
    expect(table).toContain('| sweep | (failed) | boom | | |');
    expect(table).toContain('- replay / replay a|b: why');
  });
});
