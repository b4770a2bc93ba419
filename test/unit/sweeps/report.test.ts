import { describe, expect, it } from 'vitest';
import { buildReport, type RunOutcome } from '../../../src/sweeps/index.js';

function run(
  cell: string,
  arm: RunOutcome['arm'],
  best: number | null,
  extra: Partial<RunOutcome> = {},
): RunOutcome {
  return { cell, arm, status: 'COMPLETED', best, final: best, lossNonFinite: false, ...extra };
}

describe('buildReport', () => {
  it('gives best, average and threshold counts per cell and arm under MAX (Table 1)', () => {
    const report = buildReport(
      { metric: 'test_accuracy', mode: 'max', thresholds: [0.9, 0.5] },
      ['a', 'b'],
      [
        run('a', 'noise', 0.95, { final: 0.93 }),
        run('a', 'noise', 0.85, { final: 0.8 }),
        run('a', 'no_noise', 0.6),
        run('a', 'no_noise', 0.1135, { status: 'FAILED', final: 0.1 }),
        run('a', 'no_noise', null, { status: 'QUEUED' }),
        run('b', 'noise', null, { status: 'COMPLETED', lossNonFinite: true }),
        run('b', 'noise', 0.5, { status: 'CANCELLED' }),
      ],
    );
    expect(report.rows.map((r) => [r.cell, r.arm])).toEqual([
      ['a', 'no_noise'],
      ['a', 'noise'],
      ['b', 'noise'],
    ]);
    const [aControl, aNoise, bNoise] = report.rows;
    expect(aNoise).toMatchObject({
      runs: 2,
      completed: 2,
      diverged: 0,
      pending: 0,
      evaluated: 2,
      best: 0.95,
      reached: [1, 2],
    });
    expect(aNoise?.mean).toBeCloseTo(0.9, 12);
    expect(aNoise?.meanFinal).toBeCloseTo(0.865, 12);
    expect(aControl).toMatchObject({
      runs: 3,
      completed: 1,
      diverged: 1,
      pending: 1,
      evaluated: 2,
      best: 0.6,
      reached: [0, 1],
    });
    expect(aControl?.mean).toBeCloseTo((0.6 + 0.1135) / 2, 12);
    expect(bNoise).toMatchObject({
      runs: 2,
      completed: 0,
      diverged: 1,
      cancelled: 1,
      evaluated: 1,
      best: 0.5,
      mean: 0.5,
      reached: [0, 1],
    });

    expect(report.armTotals.map((r) => [r.cell, r.arm, r.runs, r.evaluated, r.best, r.diverged])).toEqual([
      ['all', 'no_noise', 3, 2, 0.6, 1],
      ['all', 'noise', 4, 3, 0.95, 1],
    ]);
    expect(report.armTotals[1]?.reached).toEqual([1, 3]);
  });

  it('takes the smallest as best and counts runs at or below each threshold under MIN (Table 5)', () => {
    const report = buildReport(
      { metric: 'seq_error', mode: 'min', thresholds: [0.01, 0.02, 0.03, 0.05] },
      ['base'],
      [
        run('base', 'noise', 0.01),
        run('base', 'noise', 0.025),
        run('base', 'noise', 0.2),
        run('base', 'no_noise', 0.04),
        run('base', 'no_noise', 0.5),
      ],
    );
    const [control, noise] = report.rows;
    expect(noise).toMatchObject({ best: 0.01, reached: [1, 1, 2, 2] });
    expect(noise?.mean).toBeCloseTo(0.235 / 3, 12);
    expect(control).toMatchObject({ best: 0.04, mean: 0.27, reached: [0, 0, 0, 1] });
  });

  it('leaves best and averages empty for runs never evaluated', () => {
    const report = buildReport(
      { metric: 'test_accuracy', mode: 'max', thresholds: [0.5] },
      ['c'],
      [run('c', 'noise', null, { status: 'RUNNING' })],
    );
    expect(report.rows).toEqual([
      {
        cell: 'c',
        arm: 'noise',
        runs: 1,
        completed: 0,
        diverged: 0,
        cancelled: 0,
        stoppedEarly: 0,
        pending: 1,
        evaluated: 0,
        best: null,
        mean: null,
        meanFinal: null,
        reached: [0],
      },
    ]);
  });

  it('counts stopped-early runs apart, at the thresholds by their best evaluation', () => {
    const report = buildReport(
      { metric: 'test_error', mode: 'min', thresholds: [0.05] },
      ['c'],
      [
        run('c', 'noise', 0.01, { status: 'STOPPED_EARLY', final: 0.2 }),
        run('c', 'noise', 0.5, { status: 'STOPPED_EARLY' }),
        run('c', 'noise', 0.3, { status: 'STOPPED_EARLY', lossNonFinite: true }),
        run('c', 'noise', 0.02),
      ],
    );
    expect(report.rows[0]).toMatchObject({
      runs: 4,
      completed: 1,
      stoppedEarly: 2,
      diverged: 1,
      cancelled: 0,
      evaluated: 4,
      best: 0.01,
      reached: [2],
    });
  });

  it('is empty for a sweep without runs', () => {
    expect(buildReport({ metric: 'm', mode: 'max', thresholds: [] }, ['x'], [])).toMatchObject({
      rows: [],
      armTotals: [],
    });
  });
});
