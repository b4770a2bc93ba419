import { describe, expect, it } from 'vitest';
import { formatTable, goalRow, infoRow, type SectionResult } from '../../../bench/lib/report.js';
import { describeRatios, linearFit, median, pairedRatios, quantile } from '../../../bench/lib/stats.js';

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
