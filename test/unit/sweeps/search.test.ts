import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import type { RunRequest } from '../../../src/runs/index.js';
import { compileSweep, type SweepRequest, sampleText, sweepCells } from '../../../src/sweeps/index.js';
import { testTemplate } from './template.js';

const BASE: RunRequest = { trainer: 'smoke', maxSteps: 40, seed: 5, noise: { eta: 0.3 } };

const AXES: SweepRequest['axes'] = [
  {
    field: 'optimizer.learning_rate',
    values: [],
    distribution: { kind: 'log_uniform', low: 1e-4, high: 1e-1 },
  },
  { field: 'smoke.hidden_units', values: [], distribution: { kind: 'int', low: 4, high: 8 } },
  {
    field: 'optimizer.kind',
    values: [],
    distribution: { kind: 'choice', choices: ['sgd', 'adam', 'momentum'], weights: [1, 3, 0] },
  },
];

function search(overrides: Partial<SweepRequest> = {}): SweepRequest {
  return {
    name: 'search',
    template: testTemplate(BASE),
    axes: AXES,
    seeds: 2,
    trials: 20,
    sweepSeed: 42,
    labels: {},
    ...overrides,
  };
}

function rejection(req: SweepRequest): { field: string; message: string } {
  try {
    compileSweep(req, ANY_DATA_DIR);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const e = error as AppError;
    expect(e.code).toBe('INVALID_ARGUMENT');
    return { field: e.fieldViolation?.field ?? '', message: e.message };
  }
  throw new Error('compileSweep accepted the request');
}

describe('random search', () => {
  it('draws the same configurations for the same sweep seed, others for another', () => {
    const a = compileSweep(search(), ANY_DATA_DIR);
    const b = compileSweep(search(), ANY_DATA_DIR);
    expect(b.cells.map((c) => c.key)).toEqual(a.cells.map((c) => c.key));
    expect(b.runs.map((r) => r.spec)).toEqual(a.runs.map((r) => r.spec));
    const other = compileSweep(search({ sweepSeed: 43 }), ANY_DATA_DIR);
    expect(other.cells.map((c) => c.key)).not.toEqual(a.cells.map((c) => c.key));
  });

  it('keeps trial t whatever the number of trials', () => {
    const few = compileSweep(search({ trials: 5 }), ANY_DATA_DIR);
    const many = compileSweep(search({ trials: 20 }), ANY_DATA_DIR);
    expect(many.cells.slice(0, 5).map((c) => c.key)).toEqual(few.cells.map((c) => c.key));
  });

  it('samples within each distribution, and never a choice of weight 0', () => {
    const plan = compileSweep(search({ trials: 200, seeds: 1 }), ANY_DATA_DIR);
    const noise = plan.runs.filter((r) => r.arm === 'noise');
    expect(noise).toHaveLength(200);
    const rates = noise.map((r) => r.spec.optimizer.learningRate);
    const units = noise.map((r) => r.spec.trainerConfig.hiddenUnits as number);
    const kinds = noise.map((r) => r.spec.optimizer.kind);
    expect(Math.min(...rates)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...rates)).toBeLessThanOrEqual(0.1);
    // Log-uniform: about a third of the draws per decade.
    const below1e3 = rates.filter((x) => x < 1e-3).length;
    expect(below1e3).toBeGreaterThan(40);
    expect(below1e3).toBeLessThan(95);
    expect(new Set(units)).toEqual(new Set([4, 5, 6, 7, 8]));
    expect(kinds).not.toContain('momentum');
    const adam = kinds.filter((k) => k === 'adam').length;
    expect(adam).toBeGreaterThan(120); // weight 3 of 4: about 150
    expect(adam).toBeLessThan(180);
  });

  it('runs every trial with each seed and arm, the no-noise control included', () => {
    const plan = compileSweep(search({ trials: 3 }), ANY_DATA_DIR);
    expect(plan.runs).toHaveLength(3 * 2 * 2);
    expect(plan.cells[0]?.key).toMatch(/^trial=0,learning_rate=[0-9.e-]+,hidden_units=\d,kind=(sgd|adam)$/);
    const first = plan.runs.filter((r) => r.cell === plan.cells[0]?.key);
    expect(first.map((r) => [r.arm, r.seed, r.spec.noise.eta])).toEqual([
      ['no_noise', 5, 0],
      ['noise', 5, 0.3],
      ['no_noise', 6, 0],
      ['noise', 6, 0.3],
    ]);
    // The stored spec names the same cells.
    expect(sweepCells(plan.spec).map((c) => c.key)).toEqual(plan.cells.map((c) => c.key));
    expect(plan.spec.search).toMatchObject({ trials: 3, sweepSeed: 42 });
  });

  it('samples noise.eta for the noise arm, its control arm running with 0', () => {
    const plan = compileSweep(
      search({
        axes: [{ field: 'noise.eta', values: [], distribution: { kind: 'log_uniform', low: 0.01, high: 1 } }],
        trials: 4,
        seeds: 1,
      }),
      ANY_DATA_DIR,
    );
    for (const cell of plan.cells) {
      const eta = Number(cell.key.split('eta=')[1]);
      const arms = plan.runs.filter((r) => r.cell === cell.key).map((r) => [r.arm, r.spec.noise.eta]);
      expect(arms).toEqual([
        ['no_noise', 0],
        ['noise', eta],
      ]);
    }
    const zero = rejection(
      search({
        axes: [{ field: 'noise.eta', values: [], distribution: { kind: 'uniform', low: 0, high: 1 } }],
      }),
    );
    expect(zero.field).toBe('axes[0].distribution.low');
    expect(zero.message).toMatch(/> 0 while compare_noise is true/);
  });

  it('draws a listed axis uniformly from its values', () => {
    const plan = compileSweep(
      search({ axes: [{ field: 'smoke.hidden_units', values: ['4', '9'] }], trials: 50, seeds: 1 }),
      ANY_DATA_DIR,
    );
    const keys = plan.cells.map((c) => c.key.split(',')[1]);
    expect(new Set(keys)).toEqual(new Set(['hidden_units=4', 'hidden_units=9']));
  });

  it('maps a uniform number onto each distribution', () => {
    expect(sampleText({ kind: 'uniform', low: 2, high: 4 }, 0.5)).toBe('3');
    expect(sampleText({ kind: 'log_uniform', low: 1e-4, high: 1e-2 }, 0.5)).toBe('0.001');
    expect(sampleText({ kind: 'int', low: 1, high: 3 }, 0.999)).toBe('3');
    expect(sampleText({ kind: 'int', low: 1, high: 3 }, 0)).toBe('1');
    const choice = { kind: 'choice', choices: ['x', 'y', 'z'], weights: [1, 0, 1] } as const;
    expect(sampleText(choice, 0.49)).toBe('x');
    expect(sampleText(choice, 0.5)).toBe('z');
  });

  it('refuses bad search fields, naming field, value and what is allowed', () => {
    const dist = (d: NonNullable<SweepRequest['axes'][number]['distribution']>) =>
      search({ axes: [{ field: 'optimizer.learning_rate', values: [], distribution: d }] });
    const cases: [SweepRequest, string, RegExp][] = [
      [search({ trials: -1 }), 'trials', /got -1; allowed: an integer in \[0, 10000\]/],
      [search({ trials: 20_000 }), 'trials', /allowed: an integer in \[0, 10000\]/],
      [search({ trials: 3000, seeds: 2 }), 'trials', /12000 runs"; allowed: at most 10000 runs/],
      [search({ sweepSeed: -3 }), 'sweep_seed', /got -3/],
      [search({ trials: 0 }), 'axes[0].distribution', /unset unless trials > 0/],
      [dist({}), 'axes[0].distribution.kind', /UNIFORM, LOG_UNIFORM, INT or CHOICE/],
      [
        dist({ kind: 'uniform', low: 0.5, high: 0.1 }),
        'axes[0].distribution.high',
        /got 0.1; allowed: > low/,
      ],
      [dist({ kind: 'log_uniform', low: 0, high: 1 }), 'axes[0].distribution.low', /> 0/],
      [dist({ kind: 'uniform', low: Number.NaN, high: 1 }), 'axes[0].distribution.low', /finite/],
      [dist({ kind: 'int', low: 1.5, high: 3 }), 'axes[0].distribution.low', /an integer/],
      [dist({ kind: 'uniform', low: -1, high: 1 }), 'axes[0].distribution.low', /got "-1"/],
      [dist({ kind: 'choice', choices: [] }), 'axes[0].distribution.choices', /1-1000 choices/],
      [
        dist({ kind: 'choice', choices: ['0.1', '0.10'] }),
        'axes[0].distribution.choices[1]',
        /listed already/,
      ],
      [
        dist({ kind: 'choice', choices: ['0.1'], weights: [1, 2] }),
        'axes[0].distribution.weights',
        /one per choice/,
      ],
      [dist({ kind: 'choice', choices: ['0.1'], weights: [-1] }), 'axes[0].distribution.weights[0]', />= 0/],
      [dist({ kind: 'choice', choices: ['0.1'], weights: [0] }), 'axes[0].distribution.weights', /> 0/],
      [
        search({
          axes: [
            { field: 'smoke.hidden_units', values: ['4'], distribution: { kind: 'int', low: 0, high: 1 } },
          ],
        }),
        'axes[0].values',
        /none when distribution is set/,
      ],
    ];
    for (const [request, field, message] of cases) {
      const got = rejection(request);
      expect(got.field, got.message).toBe(field);
      expect(got.message).toMatch(message);
    }
  });
});
