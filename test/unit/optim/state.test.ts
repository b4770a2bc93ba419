import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OPTIMIZER_KINDS } from '../../../src/core/index.js';
import {
  createNoisyOptimizer,
  type NoiseOptions,
  type OptimizerState,
  OptionError,
} from '../../../src/optim/index.js';
import { bitIdentical, expectNoLeakedTensors, innerFor, snapshot, tinyModel, train } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
expectNoLeakedTensors({ beforeEach, afterEach });

const disposeState = (state: OptimizerState): void => tf.dispose(state.inner.map((t) => t.tensor));

describe('exportState / importState', () => {
  it.each(OPTIMIZER_KINDS)('resumes a %s run mid-way with a bit-identical trajectory', (kind) => {
    const options: NoiseOptions = { eta: 0.05, seed: 42, stepsPerTick: 2, clip: { byGlobalNorm: 5 } };
    const straight = tinyModel();
    const straightOpt = createNoisyOptimizer(innerFor(kind), options);
    train(straight, straightOpt, 0, 6);

    const first = tinyModel();
    const firstOpt = createNoisyOptimizer(innerFor(kind), options);
    train(first, firstOpt, 0, 3);
    const state = firstOpt.exportState();
    const weights = snapshot(first.variables);
    first.dispose();
    firstOpt.dispose();
    // Everything restored from host copies and the exported tensors: nothing shared with the first run.
    expect(state.step).toBe(3);
    expect(state.inner[0]?.name).toBe('iter');

    const resumed = tinyModel(weights);
    const resumedOpt = createNoisyOptimizer(innerFor(kind), { ...options, seed: 999 });
    const tensors = tf.memory().numTensors;
    resumedOpt.importState(state);
    disposeState(state);
    // The import adds one variable per slot; the state's tensors (iter, slots, scalars) are gone.
    const slots = state.inner.length - 1 - countScalars(kind);
    expect(tf.memory().numTensors).toBe(tensors + slots - state.inner.length);
    expect(resumedOpt.iterations).toBe(3);
    expect(resumedOpt.inner.iterations).toBe(3);
    train(resumed, resumedOpt, 3, 3);
    expect(bitIdentical(snapshot(resumed.variables), snapshot(straight.variables))).toBe(true);

    for (const m of [straight, resumed]) m.dispose();
    for (const o of [straightOpt, resumedOpt]) o.dispose();
  });

  it('exports clones the caller owns and imports over existing slots without leaking', () => {
    const model = tinyModel();
    const opt = createNoisyOptimizer(innerFor('adam'), { eta: 0.01, seed: 1 });
    train(model, opt, 0, 2);
    const baseline = tf.memory().numTensors;
    const state = opt.exportState();
    expect(state.inner.map((t) => t.name)).toEqual([
      'iter',
      ...model.variables.map((v) => `${v.name}/m`),
      ...model.variables.map((v) => `${v.name}/v`),
      'accBeta1',
      'accBeta2',
    ]);
    opt.importState(state);
    disposeState(state);
    expect(tf.memory().numTensors).toBe(baseline);
    train(model, opt, 2, 1);
    expect(tf.memory().numTensors).toBe(baseline);
    model.dispose();
    opt.dispose();
  });

  it('restores adam exactly where tfjs setWeights would recompute the bias-correction powers', () => {
    // After 8 steps Adam holds β₁⁹ as a running float32 product; tfjs's setWeights would set
    // pow(β₁, 9) instead, which differs in the last bit, so a resumed run would drift.
    const model = tinyModel();
    const opt = createNoisyOptimizer(innerFor('adam'), { eta: 0, seed: 1 });
    train(model, opt, 0, 8);
    const state = opt.exportState();
    const beta = Math.fround(0.9);
    let running = beta;
    for (let k = 0; k < 8; k++) running = Math.fround(running * beta);
    const exported = state.inner.find((t) => t.name === 'accBeta1')?.tensor.dataSync()[0];
    expect(exported).toBe(running);
    expect(Math.fround(beta ** 9)).not.toBe(running);
    disposeState(state);
    model.dispose();
    opt.dispose();
  });

  it('round-trips centred RMSProp slots (three groups)', () => {
    const v = tf.tidy(() => tf.variable(tf.tensor1d([1, 2, 3])));
    const g = tf.tensor1d([0.5, -1, 2]);
    const opt = createNoisyOptimizer(tf.train.rmsprop(0.01, 0.9, 0.2, 1e-7, true), { eta: 0, seed: 1 });
    opt.applyGradients({ [v.name]: g });
    const state = opt.exportState();
    expect(state.inner.map((t) => t.name)).toEqual([
      'iter',
      `${v.name}/rms`,
      `${v.name}/momentum`,
      `${v.name}/mg`,
    ]);
    const fresh = createNoisyOptimizer(tf.train.rmsprop(0.01, 0.9, 0.2, 1e-7, true), { eta: 0, seed: 1 });
    fresh.importState(state);
    const again = fresh.exportState();
    expect(again.inner.map((t) => Array.from(t.tensor.dataSync()))).toEqual(
      state.inner.map((t) => Array.from(t.tensor.dataSync())),
    );
    disposeState(state);
    disposeState(again);
    tf.dispose([v, g]);
    opt.dispose();
    fresh.dispose();
  });

  it('rejects a state of another optimizer class or a bad step', () => {
    const model = tinyModel();
    const adam = createNoisyOptimizer(innerFor('adam'), { eta: 0, seed: 1 });
    train(model, adam, 0, 1);
    const state = adam.exportState();
    const momentum = createNoisyOptimizer(innerFor('momentum'), { eta: 0, seed: 1 });
    expect(() => momentum.importState(state)).toThrow(OptionError);
    expect(() => adam.importState({ ...state, step: -1 })).toThrow(
      'state.step: got -1; allowed: an integer >= 0',
    );
    expect(() => adam.importState({ ...state, seed: 1.5 })).toThrow(/^state\.seed: got 1\.5/);
    disposeState(state);
    model.dispose();
    adam.dispose();
    momentum.dispose();
  });
});

function countScalars(kind: string): number {
  return kind === 'adam' || kind === 'adamax' ? 2 : 0;
}
