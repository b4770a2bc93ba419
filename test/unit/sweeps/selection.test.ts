import { describe, expect, it } from 'vitest';
import type { RunStatus } from '../../../src/core/index.js';
import { type Arm, compileSelection, type RunFinals, selectRestarts } from '../../../src/sweeps/index.js';

const run = (
  runId: string,
  cell: string,
  arm: Arm,
  seed: number,
  values: Record<string, number>,
  status: RunStatus = 'COMPLETED',
): RunFinals => ({ runId, cell, arm, seed, status, values });

describe('restart selection (Table 2: the lowest final training error of the restarts)', () => {
  const selection = compileSelection({
    metric: 'train_error',
    reportMetrics: ['train_error', 'test_error'],
  });

  it('fills the mode from the name and the report metrics from the selection metric', () => {
    expect(selection.mode).toBe('min');
    expect(compileSelection({ metric: 'test_accuracy' })).toEqual({
      metric: 'test_accuracy',
      mode: 'max',
      reportMetrics: ['test_accuracy'],
    });
  });

  it('picks the best final value among completed runs, ties to the lowest seed, and averages the picks', () => {
    const report = selectRestarts(
      selection,
      ['task=1', 'task=2', 'task=3'],
      [
        // task 1, no noise: seed 2 has the lowest train error; seed 0 lower still but it FAILED.
        run('a', 'task=1', 'no_noise', 0, { train_error: 0.0, test_error: 0.9 }, 'FAILED'),
        run('b', 'task=1', 'no_noise', 1, { train_error: 0.3, test_error: 0.1 }),
        run('c', 'task=1', 'no_noise', 2, { train_error: 0.2, test_error: 0.4 }),
        // task 1, noise: a tie goes to the lower seed whatever the row order.
        run('d', 'task=1', 'noise', 5, { train_error: 0.1, test_error: 0.5 }),
        run('e', 'task=1', 'noise', 4, { train_error: 0.1, test_error: 0.6 }),
        // task 2, no noise: still running, so no candidate yet.
        run('f', 'task=2', 'no_noise', 0, { train_error: 0.05 }, 'RUNNING'),
        // task 2, noise: a pick without the test metric.
        run('g', 'task=2', 'noise', 0, { train_error: 0.3 }),
      ],
    );
    expect(report.rows.map((r) => [r.cell, r.arm, r.runs, r.candidates, r.runId, r.seed, r.values])).toEqual([
      ['task=1', 'no_noise', 3, 2, 'c', 2, { train_error: 0.2, test_error: 0.4 }],
      ['task=1', 'noise', 2, 2, 'e', 4, { train_error: 0.1, test_error: 0.6 }],
      ['task=2', 'no_noise', 1, 0, null, null, {}],
      ['task=2', 'noise', 1, 1, 'g', 0, { train_error: 0.3 }],
    ]);
    expect(report.totals).toEqual([
      { arm: 'no_noise', cells: 1, means: { train_error: 0.2, test_error: 0.4 } },
      { arm: 'noise', cells: 2, means: { train_error: 0.2, test_error: 0.6 } },
    ]);
  });

  it('picks the highest value for mode max', () => {
    const max = compileSelection({ metric: 'test_accuracy', mode: 'max' });
    const report = selectRestarts(
      max,
      ['base'],
      [
        run('a', 'base', 'noise', 0, { test_accuracy: 0.5 }),
        run('b', 'base', 'noise', 1, { test_accuracy: 0.7 }),
      ],
    );
    expect(report.rows[0]?.runId).toBe('b');
  });

  it.each([
    [{ metric: '' }, 'selection.metric: got ""'],
    [{ metric: 'a b' }, 'selection.metric: got "a b"'],
    [
      { metric: 'x', reportMetrics: ['y', 'y'] },
      'selection.report_metrics[1]: got "y"; allowed: a metric not already listed',
    ],
    [{ metric: 'x', reportMetrics: ['ok', '$'] }, 'selection.report_metrics[1]: got "$"'],
    [{ metric: 'x', reportMetrics: Array.from({ length: 17 }, (_, i) => `m${i}`) }, 'at most 16'],
  ])('refuses %j', (requested, message) => {
    expect(() => compileSelection(requested)).toThrow(message);
  });
});
