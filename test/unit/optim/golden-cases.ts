import * as tf from '@tensorflow/tfjs';
import type { OptimizerKind } from '../../../src/core/index.js';
import { createNoisyOptimizer, type NamedTensor, type NoiseOptions } from '../../../src/optim/index.js';
import { innerFor, tinyModel } from './helpers.js';

/**
 * Configurations of the noisy optimizer whose trajectories `fixtures/noisy-optimizer-golden.json`
 * holds, as recorded from the implementation before the optimizer became one transformation chain
 * (`fixtures/record-golden.ts`). Between them they cover both schedules, `stepsPerTick` > 1, both
 * generators, both targets, each clip alone and both together, and η = 0 through the host path.
 */
export const GOLDEN_CASES: Readonly<Record<string, { kind: OptimizerKind; options: NoiseOptions }>> = {
  'adam annealed box-muller': { kind: 'adam', options: { eta: 0.01, seed: 7 } },
  'adam annealed ziggurat': { kind: 'adam', options: { eta: 0.01, seed: 7, generator: 'ziggurat' } },
  'sgd fixed, global-norm clip': {
    kind: 'sgd',
    options: { eta: 1, seed: -3, schedule: 'fixed', clip: { byGlobalNorm: 0.5 } },
  },
  'momentum stepsPerTick 2, value clip': {
    kind: 'momentum',
    options: { eta: 0.3, gamma: 1.5, seed: 11, stepsPerTick: 2, clip: { byValue: 0.05 } },
  },
  'rmsprop weight target, both clips': {
    kind: 'rmsprop',
    options: { eta: 0.2, seed: 5, target: 'weight', clip: { byValue: 0.2, byGlobalNorm: 0.3 } },
  },
  'adagrad weight target ziggurat, fixed': {
    kind: 'adagrad',
    options: { eta: 0.05, seed: 2 ** 40, target: 'weight', schedule: 'fixed', generator: 'ziggurat' },
  },
  'adamax stepsPerTick 3 ziggurat, both clips': {
    kind: 'adamax',
    options: {
      eta: 0.5,
      seed: 123,
      stepsPerTick: 3,
      generator: 'ziggurat',
      clip: { byValue: 0.1, byGlobalNorm: 0.15 },
    },
  },
  'sgd eta 0 through the host': { kind: 'sgd', options: { eta: 0, seed: 1, clip: { byValue: 1e30 } } },
};

/** What a trajectory records: everything the optimizer makes observable, as plain JSON. */
export interface GoldenRecord {
  /** Per call of `applyGradients`: iterations, skipped steps and `lastStats` after it. */
  readonly steps: readonly {
    iterations: number;
    skipped: number;
    gradGlobalNorm: number | string;
    noiseStd: number;
  }[];
  /** The model's weights after the last step. */
  readonly weights: readonly number[][];
  /** `exportState()` after the last step, the inner slots as values in slot order. */
  readonly state: { step: number; seed: number; skipped: number; inner: number[][] };
}

const STEPS = 7;
/** The call whose gradient holds a NaN, so the step is skipped. */
const NAN_STEP = 2;
/** The call that passes the gradients as a list with the bias's gradient missing. */
const MISSING_STEP = 4;

/** JSON has no NaN or ∞: such norms are recorded as their string. */
const jsonNumber = (x: number): number | string => (Number.isFinite(x) ? x : String(x));

/**
 * Runs one golden case on the current backend: seven `applyGradients` calls on the tiny model, the
 * third with a NaN in one gradient (skipped) and the fifth as a list in which the bias has no
 * gradient. `overwriteGradients` must not change a bit, so the caller may run both.
 */
export function runGoldenCase(name: string, overwriteGradients: boolean): GoldenRecord {
  const golden = GOLDEN_CASES[name];
  if (golden === undefined) throw new Error(`no golden case ${name}`);
  const model = tinyModel();
  const opt = createNoisyOptimizer(innerFor(golden.kind), { ...golden.options, overwriteGradients });
  const steps: GoldenRecord['steps'][number][] = [];
  for (let s = 0; s < STEPS; s++) {
    const { grads, value } = tf.variableGrads(() => model.loss(s), model.variables);
    value.dispose();
    const names = model.variables.map((v) => v.name);
    if (s === NAN_STEP) {
      const bad = grads[names[1] as string] as tf.Tensor;
      grads[names[1] as string] = tf.tidy(() => bad.add(tf.scalar(Number.NaN)));
      bad.dispose();
    }
    if (s === MISSING_STEP) {
      const list: NamedTensor[] = names.map((n, i) => ({
        name: n,
        tensor: i === 1 ? (null as unknown as tf.Tensor) : (grads[n] as tf.Tensor),
      }));
      opt.applyGradients(list);
    } else {
      opt.applyGradients(grads);
    }
    tf.dispose(Object.values(grads));
    const { gradGlobalNorm, noiseStd } = opt.lastStats;
    steps.push({
      iterations: opt.iterations,
      skipped: opt.skippedSteps,
      gradGlobalNorm: jsonNumber(gradGlobalNorm),
      noiseStd,
    });
  }
  const weights = model.variables.map((v) => Array.from(v.dataSync()));
  const exported = opt.exportState();
  const state = {
    step: exported.step,
    seed: exported.seed,
    skipped: exported.skipped,
    inner: exported.inner.map((t) => Array.from(t.tensor.dataSync())),
  };
  tf.dispose(exported.inner.map((t) => t.tensor));
  model.dispose();
  opt.dispose();
  return { steps, weights, state };
}
