import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OPTIMIZER_KINDS } from '../../../src/core/index.js';
import { createInnerOptimizer, createNoisyOptimizer } from '../../../src/optim/index.js';
import { bitIdentical, expectNoLeakedTensors, innerFor, snapshot, tinyModel, train } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
expectNoLeakedTensors({ beforeEach, afterEach });

describe('NoisyOptimizer with eta = 0', () => {
  it.each(OPTIMIZER_KINDS)('gives bit-identical weights to the bare %s optimizer', (kind) => {
    const bare = tinyModel();
    const bareOpt = innerFor(kind);
    train(bare, bareOpt, 0, 5);
    // Once with the pass-through path and once through the host round trip (clipByValue never binds).
    for (const clip of [{}, { byValue: 1e30 }]) {
      const wrapped = tinyModel();
      const opt = createNoisyOptimizer(innerFor(kind), { eta: 0, seed: 1, clip });
      train(wrapped, opt, 0, 5);
      expect(bitIdentical(snapshot(wrapped.variables), snapshot(bare.variables))).toBe(true);
      expect(opt.iterations).toBe(5);
      wrapped.dispose();
      opt.dispose();
    }
    bare.dispose();
    bareOpt.dispose();
  });
});

describe('NoisyOptimizer noise', () => {
  it('changes the weights, and the same seed reproduces them bit for bit', () => {
    const run = (seed: number) => {
      const model = tinyModel();
      const opt = createNoisyOptimizer(innerFor('adam'), { eta: 0.01, seed });
      train(model, opt, 0, 4);
      const weights = snapshot(model.variables);
      model.dispose();
      opt.dispose();
      return weights;
    };
    const bare = tinyModel();
    const bareOpt = innerFor('adam');
    train(bare, bareOpt, 0, 4);
    const a = run(7);
    expect(bitIdentical(a, run(7))).toBe(true);
    expect(bitIdentical(a, run(8))).toBe(false);
    expect(bitIdentical(a, snapshot(bare.variables))).toBe(false);
    bare.dispose();
    bareOpt.dispose();
  });

  it('clips first and then adds noise: the applied update is far larger than the clip norm', () => {
    const v = tf.tidy(() => tf.variable(tf.zeros([1000])));
    const grad = tf.fill([1000], 100);
    const update = (eta: number): number => {
      tf.tidy(() => v.assign(tf.zeros([1000])));
      const opt = createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate: 1 }), {
        eta,
        seed: 3,
        clip: { byGlobalNorm: 1 },
      });
      opt.applyGradients({ [v.name]: grad });
      expect(opt.lastStats.gradGlobalNorm).toBeCloseTo(100 * Math.sqrt(1000), 2);
      opt.dispose();
      return tf.tidy(() => v.norm().dataSync()[0] as number);
    };
    expect(update(0)).toBeCloseTo(1, 5);
    // Noise after the clip: ‖Δw‖ ≈ σ·sqrt(n) = 10·31.6. Noise before the clip would give ‖Δw‖ ≤ 1.
    expect(update(100)).toBeGreaterThan(100);
    tf.dispose([v, grad]);
  });

  it('adds noise once per applyGradients call and never leaks tensors', () => {
    const model = tinyModel();
    const opt = createNoisyOptimizer(innerFor('rmsprop'), {
      eta: 1,
      seed: 5,
      clip: { byValue: 0.5, byGlobalNorm: 2 },
    });
    train(model, opt, 0, 1); // creates the inner optimizer's slot variables
    const before = tf.memory().numTensors;
    train(model, opt, 1, 6);
    expect(tf.memory().numTensors).toBe(before);
    expect(opt.iterations).toBe(7);
    expect(opt.inner.iterations).toBe(7);
    model.dispose();
    opt.dispose();
  });

  it('advances the noise step once every stepsPerTick optimizer steps, with fresh noise every step', () => {
    const v = tf.tidy(() => tf.variable(tf.zeros([64])));
    const zero = tf.zeros([64]);
    const opt = createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate: 1 }), {
      eta: 0.5,
      gamma: 0.55,
      seed: 11,
      stepsPerTick: 3,
    });
    const stds: number[] = [];
    const deltas: Float32Array[] = [];
    for (let s = 0; s < 7; s++) {
      const before = Float32Array.from(v.dataSync());
      opt.applyGradients([{ name: v.name, tensor: zero }]);
      stds.push(opt.lastStats.noiseStd);
      deltas.push(Float32Array.from(v.dataSync(), (x, i) => x - (before[i] as number)));
    }
    const expected = [0, 0, 0, 1, 1, 1, 2].map((t) => Math.sqrt(0.5 / (1 + t) ** 0.55));
    expect(stds.map((s, i) => Math.abs(s - (expected[i] as number)))).toEqual(stds.map(() => 0));
    expect(bitIdentical([deltas[0] as Float32Array], [deltas[1] as Float32Array])).toBe(false);
    tf.dispose([v, zero]);
    opt.dispose();
  });

  it('keeps sigma^2 = eta with the fixed schedule', () => {
    const v = tf.tidy(() => tf.variable(tf.zeros([8])));
    const zero = tf.zeros([8]);
    const opt = createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate: 1 }), {
      eta: 0.04,
      seed: 1,
      schedule: 'fixed',
    });
    for (let s = 0; s < 20; s++) {
      opt.applyGradients({ [v.name]: zero });
      expect(opt.lastStats.noiseStd).toBe(0.2);
    }
    tf.dispose([v, zero]);
    opt.dispose();
  });
});

describe('NoisyOptimizer non-finite gradients', () => {
  it.each([Number.NaN, Number.POSITIVE_INFINITY])('skips a step whose gradient holds %s', (bad) => {
    const clean = tinyModel();
    const cleanOpt = createNoisyOptimizer(innerFor('momentum'), { eta: 0.1, seed: 2 });
    train(clean, cleanOpt, 0, 4);

    const model = tinyModel();
    const opt = createNoisyOptimizer(innerFor('momentum'), { eta: 0.1, seed: 2 });
    train(model, opt, 0, 2);
    const before = snapshot(model.variables);
    const tensors = tf.memory().numTensors;
    const grads = model.variables.map((v, i) => ({
      name: v.name,
      tensor: i === 1 ? tf.fill(v.shape, bad) : tf.zerosLike(v),
    }));
    opt.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(opt.lastStats.skipped).toBe(true);
    expect(opt.lastStats.noiseStd).toBe(0);
    expect(Number.isFinite(opt.lastStats.gradGlobalNorm)).toBe(false);
    expect(opt.skippedSteps).toBe(1);
    expect(opt.iterations).toBe(2);
    expect(opt.inner.iterations).toBe(2);
    expect(bitIdentical(snapshot(model.variables), before)).toBe(true);
    // The noise step did not advance: the run continues exactly as if the bad step never happened.
    train(model, opt, 2, 2);
    expect(opt.lastStats.skipped).toBe(false);
    expect(bitIdentical(snapshot(model.variables), snapshot(clean.variables))).toBe(true);
    for (const m of [clean, model]) m.dispose();
    for (const o of [cleanOpt, opt]) o.dispose();
  });
});

describe('NoisyOptimizer weight target (paper §4.6)', () => {
  it('adds the same noise to the weights after the update instead of to the gradient', () => {
    const zero = tf.zeros([256]);
    const delta = (target: 'gradient' | 'weight', kind: 'sgd' | 'adam'): Float32Array => {
      const v = tf.tidy(() => tf.variable(tf.zeros([256])));
      const opt = createNoisyOptimizer(
        createInnerOptimizer({ kind, learningRate: kind === 'sgd' ? 1 : 1e-3 }),
        {
          eta: 0.01,
          seed: 9,
          target,
        },
      );
      opt.applyGradients({ [v.name]: zero });
      const out = Float32Array.from(v.dataSync());
      tf.dispose(v);
      opt.dispose();
      return out;
    };
    // SGD with lr 1 and a zero gradient: gradient noise moves w by -n, weight noise by +n.
    const g = delta('gradient', 'sgd');
    const w = delta('weight', 'sgd');
    expect(Array.from(w)).toEqual(Array.from(g, (x) => -x));
    // Adam rescales gradient noise to steps of about lr; weight noise keeps its scale σ = 0.1.
    const adamGradient = Math.max(...Array.from(delta('gradient', 'adam'), Math.abs));
    const adamWeight = Math.max(...Array.from(delta('weight', 'adam'), Math.abs));
    expect(adamGradient).toBeLessThan(2e-3);
    expect(adamWeight).toBeGreaterThan(0.1);
    tf.dispose(zero);
  });

  it('does not leak with the weight target', () => {
    const model = tinyModel();
    const opt = createNoisyOptimizer(innerFor('adam'), { eta: 0.01, seed: 1, target: 'weight' });
    train(model, opt, 0, 1);
    const before = tf.memory().numTensors;
    train(model, opt, 1, 3);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    opt.dispose();
  });
});
