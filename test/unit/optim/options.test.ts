import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError, type InnerOptimizerOptions } from '../../../src/core/index.js';
import {
  compileInnerOptimizerOptions,
  compileNoiseOptions,
  createInnerOptimizer,
  createNoisyOptimizer,
  type NoiseOptions,
  OptionError,
} from '../../../src/optim/index.js';
import { expectNoLeakedTensors } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
expectNoLeakedTensors({ beforeEach, afterEach });

function errorOf(f: () => unknown): OptionError {
  try {
    f();
  } catch (e) {
    if (e instanceof OptionError) return e;
    throw e;
  }
  throw new Error('expected an OptionError');
}

describe('noise options', () => {
  const cases: [string, Partial<Record<keyof NoiseOptions, unknown>>, string][] = [
    ['eta < 0', { eta: -1 }, 'eta: got -1; allowed: a finite number >= 0'],
    ['eta NaN', { eta: Number.NaN }, 'eta: got NaN; allowed: a finite number >= 0'],
    ['eta ∞', { eta: Number.POSITIVE_INFINITY }, 'eta: got Infinity; allowed: a finite number >= 0'],
    ['gamma < 0', { gamma: -0.5 }, 'gamma: got -0.5; allowed: a finite number >= 0'],
    ['gamma NaN', { gamma: Number.NaN }, 'gamma: got NaN; allowed: a finite number >= 0'],
    ['seed fraction', { seed: 1.5 }, 'seed: got 1.5; allowed: a safe integer'],
    ['seed too big', { seed: 2 ** 53 }, 'seed: got 9007199254740992; allowed: a safe integer'],
    ['schedule', { schedule: 'cosine' }, `schedule: got "cosine"; allowed: one of 'annealed', 'fixed'`],
    ['target', { target: 'bias' }, `target: got "bias"; allowed: one of 'gradient', 'weight'`],
    ['stepsPerTick 0', { stepsPerTick: 0 }, 'stepsPerTick: got 0; allowed: an integer >= 1'],
    ['stepsPerTick 1.5', { stepsPerTick: 1.5 }, 'stepsPerTick: got 1.5; allowed: an integer >= 1'],
    ['clip.byValue 0', { clip: { byValue: 0 } }, 'clip.byValue: got 0; allowed: a finite number > 0'],
    [
      'clip.byGlobalNorm ∞',
      { clip: { byGlobalNorm: Number.POSITIVE_INFINITY } },
      'clip.byGlobalNorm: got Infinity; allowed: a finite number > 0',
    ],
  ];

  it.each(cases)('rejects %s at construction, naming field, value and allowed range', (_, bad, message) => {
    const options = { eta: 0.01, seed: 1, ...bad } as NoiseOptions;
    const inner = tf.train.sgd(0.1);
    const error = errorOf(() => createNoisyOptimizer(inner, options));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('INVALID_ARGUMENT');
    expect(error.message.startsWith(message)).toBe(true);
    expect(message.startsWith(error.field)).toBe(true);
    expect(error.withPrefix('noise').message.startsWith(`noise.${message}`)).toBe(true);
    inner.dispose();
  });

  it('fills the defaults of the paper', () => {
    expect(compileNoiseOptions({ eta: 0.01, seed: -7 })).toEqual({
      eta: 0.01,
      gamma: 0.55,
      seed: -7,
      schedule: 'annealed',
      stepsPerTick: 1,
      clip: {},
      target: 'gradient',
      generator: 'box-muller',
      overwriteGradients: false,
    });
  });

  it('names the generator and what is allowed', () => {
    expect(() => compileNoiseOptions({ eta: 0.01, seed: 1, generator: 'polar' as never })).toThrow(
      /^generator: got "polar"; allowed: one of 'box-muller', 'ziggurat', 'philox'$/,
    );
  });
});

describe('inner optimizer options', () => {
  it('fills the tfjs defaults of every kind and is idempotent', () => {
    const compiled = compileInnerOptimizerOptions({ kind: 'adam', learningRate: 0.001 });
    expect(compiled).toEqual({ kind: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(compileInnerOptimizerOptions(compiled)).toEqual(compiled);
    expect(compileInnerOptimizerOptions({ kind: 'rmsprop', learningRate: 0.01 })).toEqual({
      kind: 'rmsprop',
      learningRate: 0.01,
      decay: 0.9,
      momentum: 0,
      epsilon: 1e-7,
      centered: false,
    });
    expect(compileInnerOptimizerOptions({ kind: 'adamax', learningRate: 0.002 }).decay).toBe(0);
    expect(compileInnerOptimizerOptions({ kind: 'adadelta', learningRate: 1 }).rho).toBe(0.95);
    expect(compileInnerOptimizerOptions({ kind: 'adagrad', learningRate: 1 }).initialAccumulatorValue).toBe(
      0.1,
    );
    expect(compileInnerOptimizerOptions({ kind: 'momentum', learningRate: 1 })).toEqual({
      kind: 'momentum',
      learningRate: 1,
      momentum: 0.9,
      useNesterov: false,
    });
  });

  const cases: [string, InnerOptimizerOptions, string][] = [
    [
      'kind',
      { kind: 'lbfgs' as 'sgd', learningRate: 1 },
      `kind: got "lbfgs"; allowed: one of 'sgd', 'momentum'`,
    ],
    ['learningRate 0', { kind: 'sgd', learningRate: 0 }, 'learningRate: got 0; allowed: a finite number > 0'],
    [
      'learningRate NaN',
      { kind: 'adam', learningRate: Number.NaN },
      'learningRate: got NaN; allowed: a finite',
    ],
    [
      'momentum 1',
      { kind: 'momentum', learningRate: 1, momentum: 1 },
      'momentum: got 1; allowed: a number in [0, 1)',
    ],
    [
      'beta2 -0.1',
      { kind: 'adam', learningRate: 1, beta2: -0.1 },
      'beta2: got -0.1; allowed: a number in [0, 1)',
    ],
    [
      'epsilon 0',
      { kind: 'adadelta', learningRate: 1, epsilon: 0 },
      'epsilon: got 0; allowed: a finite number > 0',
    ],
    [
      'decay < 0',
      { kind: 'adamax', learningRate: 1, decay: -1 },
      'decay: got -1; allowed: a finite number >= 0',
    ],
    [
      'a field the kind ignores',
      { kind: 'sgd', learningRate: 1, beta1: 0.9 },
      `beta1: got 0.9; allowed: unset for kind 'sgd' (used by adam, adamax)`,
    ],
    [
      'centred RMSProp',
      { kind: 'rmsprop', learningRate: 1, centered: true },
      'centered: got true; allowed: false',
    ],
    [
      'initialAccumulatorValue',
      { kind: 'adagrad', learningRate: 1, initialAccumulatorValue: -1 },
      'initialAccumulatorValue: got -1; allowed: a finite number >= 0',
    ],
  ];

  it.each(cases)('rejects %s', (_, options, message) => {
    const error = errorOf(() => createInnerOptimizer(options));
    expect(error.message.startsWith(message)).toBe(true);
  });

  it('builds the tfjs optimizer of each kind with the compiled options', () => {
    const expected: [InnerOptimizerOptions, string, Record<string, unknown>][] = [
      [{ kind: 'sgd', learningRate: 0.5 }, 'SGD', { learningRate: 0.5 }],
      [
        { kind: 'momentum', learningRate: 0.5 },
        'Momentum',
        { learningRate: 0.5, momentum: 0.9, useNesterov: false },
      ],
      [
        { kind: 'adam', learningRate: 0.5, beta1: 0.8 },
        'Adam',
        { learningRate: 0.5, beta1: 0.8, beta2: 0.999, epsilon: 1e-7 },
      ],
      [
        { kind: 'adagrad', learningRate: 0.5 },
        'Adagrad',
        { learningRate: 0.5, initialAccumulatorValue: 0.1 },
      ],
      [
        { kind: 'rmsprop', learningRate: 0.5, momentum: 0.3 },
        'RMSProp',
        { learningRate: 0.5, decay: 0.9, momentum: 0.3, epsilon: 1e-7, centered: false },
      ],
      [{ kind: 'adadelta', learningRate: 0.5 }, 'Adadelta', { learningRate: 0.5, rho: 0.95, epsilon: 1e-7 }],
      [
        { kind: 'adamax', learningRate: 0.5 },
        'Adamax',
        { learningRate: 0.5, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0 },
      ],
    ];
    for (const [options, className, config] of expected) {
      const optimizer = createInnerOptimizer(options);
      expect(optimizer.getClassName()).toBe(className);
      expect(optimizer.getConfig()).toEqual(config);
      optimizer.dispose();
    }
  });
});
