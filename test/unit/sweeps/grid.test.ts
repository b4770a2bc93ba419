import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import type { RunRequest } from '../../../src/runs/index.js';
import {
  axisNames,
  compileSweep,
  expandCells,
  runLabels,
  runRequestId,
  type SweepRequest,
} from '../../../src/sweeps/index.js';
import { testTemplate } from './template.js';

const BASE: RunRequest = { trainer: 'smoke', maxSteps: 40, seed: 5 };

function request(overrides: Partial<SweepRequest> = {}): SweepRequest {
  return { name: 'grid', template: testTemplate(BASE), axes: [], seeds: 2, labels: {}, ...overrides };
}

/** The INVALID_ARGUMENT message compileSweep throws for `req`. */
function rejection(req: SweepRequest): string {
  try {
    compileSweep(req, ANY_DATA_DIR);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('INVALID_ARGUMENT');
    return (error as AppError).message;
  }
  throw new Error('compileSweep accepted the request');
}

describe('expandCells', () => {
  it('enumerates every combination, first axis outermost, named by short axis names', () => {
    const cells = expandCells([
      { field: 'optimizer.learning_rate', name: 'learning_rate', values: ['0.1', '0.01'] },
      { field: 'mlp.init', name: 'init', values: ['zero', 'he', 'simple'] },
    ]);
    expect(cells.map((c) => c.key)).toEqual([
      'learning_rate=0.1,init=zero',
      'learning_rate=0.1,init=he',
      'learning_rate=0.1,init=simple',
      'learning_rate=0.01,init=zero',
      'learning_rate=0.01,init=he',
      'learning_rate=0.01,init=simple',
    ]);
    expect(cells[4]?.valueIndices).toEqual([1, 1]);
  });

  it('has the single cell "base" without axes', () => {
    expect(expandCells([])).toEqual([{ index: 0, key: 'base', valueIndices: [] }]);
  });

  it('keeps the whole path where two axes share their last segment', () => {
    expect(axisNames(['optimizer.momentum', 'mlp.depth', 'x.momentum'])).toEqual([
      'optimizer.momentum',
      'depth',
      'x.momentum',
    ]);
  });
});

describe('compileSweep', () => {
  it('queues cells × seeds × {no_noise, noise} in grid order with the axis values applied', () => {
    const plan = compileSweep(
      request({
        axes: [
          { field: 'optimizer.learning_rate', values: ['0.10', '0.05'] },
          { field: 'smoke.hidden_units', values: ['4', '8', '12'] },
        ],
      }),
      ANY_DATA_DIR,
    );
    expect(plan.runs).toHaveLength(2 * 3 * 2 * 2);
    expect(plan.cells.map((c) => c.key)).toEqual([
      'learning_rate=0.1,hidden_units=4',
      'learning_rate=0.1,hidden_units=8',
      'learning_rate=0.1,hidden_units=12',
      'learning_rate=0.05,hidden_units=4',
      'learning_rate=0.05,hidden_units=8',
      'learning_rate=0.05,hidden_units=12',
    ]);
    expect(plan.runs.slice(0, 4).map((r) => [r.cell, r.seed, r.arm])).toEqual([
      ['learning_rate=0.1,hidden_units=4', 5, 'no_noise'],
      ['learning_rate=0.1,hidden_units=4', 5, 'noise'],
      ['learning_rate=0.1,hidden_units=4', 6, 'no_noise'],
      ['learning_rate=0.1,hidden_units=4', 6, 'noise'],
    ]);
    plan.runs.forEach((run, i) => {
      expect(run.index).toBe(i);
      expect(run.spec.seed).toBe(run.seed);
      // The smoke trainer's paper default eta is 0.01; the control arm has none.
      expect(run.spec.noise.eta).toBe(run.arm === 'noise' ? 0.01 : 0);
    });
    const last = plan.runs[plan.runs.length - 1];
    expect(last?.spec.optimizer.learningRate).toBe(0.05);
    expect(last?.spec.trainerConfig.hiddenUnits).toBe(12);
    expect(last?.spec.maxSteps).toBe(40);
    expect(plan.spec.axes.map((a) => a.values)).toEqual([
      ['0.1', '0.05'],
      ['4', '8', '12'],
    ]);
    expect(plan.spec.seeds).toEqual({ first: 5, count: 2 });
    expect(plan.spec.objective).toEqual({ metric: 'test_accuracy', mode: 'max', thresholds: [] });
  });

  it('runs each cell once per seed without compare_noise, the arm following eta', () => {
    const plan = compileSweep(
      request({ compareNoise: false, seeds: 1, axes: [{ field: 'noise.eta', values: ['0', '0.3'] }] }),
      ANY_DATA_DIR,
    );
    expect(plan.runs.map((r) => [r.cell, r.arm, r.spec.noise.eta])).toEqual([
      ['eta=0', 'no_noise', 0],
      ['eta=0.3', 'noise', 0.3],
    ]);
  });

  it('labels and identifies every run by sweep, cell, arm and seed', () => {
    const plan = compileSweep(
      request({ labels: { team: 'a' }, template: testTemplate(BASE, { exp: '1' }) }),
      ANY_DATA_DIR,
    );
    const run = plan.runs[1];
    if (!run) throw new Error('no run');
    expect(runLabels(plan.spec, 'S', run)).toEqual({
      exp: '1',
      team: 'a',
      sweep_id: 'S',
      sweep_cell: 'base',
      sweep_arm: 'noise',
      seed: '5',
    });
    expect(runRequestId('S', 12)).toBe('S:00012');
  });

  it('fills the objective mode from the metric name', () => {
    const plan = compileSweep(
      request({ objective: { metric: 'seq_error', thresholds: [0.01, 0.05] } }),
      ANY_DATA_DIR,
    );
    expect(plan.spec.objective).toEqual({ metric: 'seq_error', mode: 'min', thresholds: [0.01, 0.05] });
  });

  it.each<[string, Partial<SweepRequest>, string]>([
    [
      'an unknown field',
      { axes: [{ field: 'optimizer.lr', values: ['1'] }] },
      'axes[0].field: got "optimizer.lr"',
    ],
    [
      'a value that is not a number',
      { axes: [{ field: 'smoke.hidden_units', values: ['4', 'many'] }] },
      'axes[0].values[1]: got "many"; allowed: a number',
    ],
    [
      'a value the run rejects, with its reason',
      {
        axes: [
          { field: 'optimizer.learning_rate', values: ['0.1'] },
          { field: 'smoke.hidden_units', values: ['4', '0'] },
        ],
      },
      'axes[1].values[1]: got "0"; allowed: an integer in [1, 1024] (smoke.hidden_units)',
    ],
    [
      'a duplicate value',
      { axes: [{ field: 'optimizer.learning_rate', values: ['0.1', '0.10'] }] },
      'axes[0].values[1]: got "0.10"; allowed: a value not listed already (values[0])',
    ],
    [
      'a field swept twice',
      {
        axes: [
          { field: 'optimizer.learning_rate', values: ['0.1'] },
          { field: 'optimizer.learning_rate', values: ['0.2'] },
        ],
      },
      'axes[1].field: got "optimizer.learning_rate"; allowed: a field not swept already (axes[0])',
    ],
    [
      'an axis without values',
      { axes: [{ field: 'smoke.hidden_units', values: [] }] },
      'axes[0].values: got "0 values"',
    ],
    [
      'eta as an axis of a noise comparison',
      { axes: [{ field: 'noise.eta', values: ['1'] }] },
      'axes[0].field: got "noise.eta"',
    ],
    [
      'more than 10,000 runs',
      { seeds: 1000, axes: [{ field: 'smoke.hidden_units', values: ['1', '2', '3', '4', '5', '6'] }] },
      'axes: got "6 cells × 1000 seeds × 2 arms = 12000 runs"; allowed: at most 10000 runs per sweep',
    ],
    ['too many seeds', { seeds: 1001 }, 'seeds: got 1001'],
    ['a negative seed count', { seeds: -1 }, 'seeds: got -1'],
    ['a reserved label', { labels: { sweep_arm: 'x' } }, 'labels["sweep_arm"]: got "sweep_arm"'],
    ['a reserved template label', { template: testTemplate(BASE, { seed: '1' }) }, 'base.labels["seed"]'],
    [
      'an invalid base',
      { template: testTemplate({ ...BASE, noise: { gamma: -1 } }) },
      'base.noise.gamma: got -1',
    ],
    [
      'a noise comparison without noise',
      { template: testTemplate({ ...BASE, noise: { eta: 0 } }) },
      'base.noise.eta: got 0; allowed: > 0 while compare_noise is true',
    ],
    [
      'a non-finite threshold',
      { objective: { thresholds: [0.5, Number.NaN] } },
      'objective.thresholds[1]: got NaN',
    ],
    [
      'a bad metric name',
      { objective: { metric: 'test accuracy' } },
      'objective.metric: got "test accuracy"',
    ],
    ['a long name', { name: 'x'.repeat(129) }, 'name: got'],
  ])('rejects %s, naming the field', (_, overrides, message) => {
    expect(rejection(request(overrides))).toContain(message);
  });

  it('rejects a combination of valid values that is not a valid run, naming the cell', () => {
    // beta1 is valid with the base's Adam and sgd is valid alone, but SGD has no beta1.
    const message = rejection(
      request({
        template: testTemplate({ ...BASE, optimizer: { kind: 'adam' } }),
        axes: [
          { field: 'optimizer.kind', values: ['adam', 'sgd'] },
          { field: 'optimizer.beta1', values: ['0.5'] },
        ],
      }),
    );
    expect(message).toMatch(
      /^axes: got the cell "kind=sgd,beta1=0.5"; allowed: combinations that make a valid run \(optimizer\.beta1/,
    );
  });
});
