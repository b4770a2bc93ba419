import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNoisyOptimizer, type NoiseOptions } from '../../../src/optim/index.js';
import { bitIdentical, expectNoLeakedTensors, innerFor, snapshot, tinyModel, train } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
expectNoLeakedTensors({ beforeEach, afterEach });
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Weights of the tiny model after 6 steps with `options`, adam inner. */
function weightsAfter(options: Omit<NoiseOptions, 'seed'>): Float32Array[] {
  const model = tinyModel();
  const opt = createNoisyOptimizer(innerFor('adam'), { seed: 9, ...options });
  train(model, opt, 0, 6);
  const weights = snapshot(model.variables);
  model.dispose();
  opt.dispose();
  return weights;
}

describe.each(['cpu', 'wasm'])('overwriteGradients on the %s backend', (backend) => {
  beforeEach(async () => {
    expect(await tf.setBackend(backend)).toBe(true);
  });

  it('trains bit-identically to uploading new tensors, with noise, clipping and both targets', () => {
    for (const options of [
      { eta: 0.01 },
      { eta: 1, clip: { byGlobalNorm: 0.5 } },
      { eta: 0, clip: { byValue: 0.01 } },
      { eta: 0.3, target: 'weight' as const },
    ]) {
      const copied = weightsAfter({ ...options, overwriteGradients: false });
      const inPlace = weightsAfter({ ...options, overwriteGradients: true });
      expect(bitIdentical(inPlace, copied)).toBe(true);
      // The comparison has teeth: another seed's noise gives other weights.
      if (options.eta > 0)
        expect(bitIdentical(inPlace, weightsAfter({ ...options, eta: options.eta * 2 }))).toBe(false);
    }
  });

  it('writes into a gradient it owns, and never into storage another tensor shares', () => {
    const v = tf.tidy(() => tf.variable(tf.zeros([64])));
    const w = tf.tidy(() => tf.variable(tf.zeros([64])));
    const owned = tf.ones([64]);
    const shared = tf.ones([64]);
    const alias = shared.reshape([8, 8]);
    expect(alias.dataId).toBe(shared.dataId); // a reshape shares the storage on both backends
    const opt = createNoisyOptimizer(innerFor('sgd'), { eta: 0.01, seed: 3, overwriteGradients: true });
    opt.applyGradients({ [v.name]: owned, [w.name]: shared });
    // The owned gradient now holds 1 + noise; the shared one (and its alias) still hold 1.
    expect(Array.from(owned.dataSync()).some((x) => x !== 1)).toBe(true);
    expect(Array.from(shared.dataSync()).every((x) => x === 1)).toBe(true);
    expect(Array.from(alias.dataSync()).every((x) => x === 1)).toBe(true);
    // Both variables moved by their own noise: -lr × (1 + noise).
    expect(Array.from(w.dataSync()).some((x) => x !== Math.fround(-0.1))).toBe(true);
    tf.dispose([v, w, owned, shared, alias]);
    opt.dispose();
  });

  it("never writes into a slice that shares its source's storage", () => {
    const v = tf.tidy(() => tf.variable(tf.zeros([32])));
    const source = tf.ones([64]);
    // On cpu a slice is a subarray of its source under a new id; on wasm it is a copy.
    const slice = tf.slice(source, [32], [32]);
    const opt = createNoisyOptimizer(innerFor('sgd'), { eta: 0.01, seed: 3, overwriteGradients: true });
    opt.applyGradients({ [v.name]: slice });
    expect(Array.from(source.dataSync()).every((x) => x === 1)).toBe(true);
    expect(Array.from(v.dataSync()).some((x) => x !== Math.fround(-0.1))).toBe(true);
    tf.dispose([v, source, slice]);
    opt.dispose();
  });

  it('gives each entry its own noise when one tensor is listed twice', () => {
    const run = (overwriteGradients: boolean): Float32Array[] => {
      const a = tf.tidy(() => tf.variable(tf.zeros([32])));
      const b = tf.tidy(() => tf.variable(tf.zeros([32])));
      const g = tf.ones([32]);
      const opt = createNoisyOptimizer(innerFor('sgd'), { eta: 0.01, seed: 5, overwriteGradients });
      opt.applyGradients([
        { name: a.name, tensor: g },
        { name: b.name, tensor: g },
      ]);
      const out = snapshot([a, b]);
      tf.dispose([a, b, g]);
      opt.dispose();
      return out;
    };
    const inPlace = run(true);
    expect(bitIdentical(inPlace, run(false))).toBe(true);
    expect(bitIdentical([inPlace[0] as Float32Array], [inPlace[1] as Float32Array])).toBe(false);
  });

  it('adds no noise in place into a gradient whose memory another listed gradient shares', () => {
    // On cpu a slice is a subarray of its source under a new id, so the source's count stays 1:
    // noise written into the source first would reach the slice's values before they are read.
    const run = (overwriteGradients: boolean, order: 'source-first' | 'slice-first'): Float32Array[] => {
      const a = tf.tidy(() => tf.variable(tf.zeros([8])));
      const b = tf.tidy(() => tf.variable(tf.zeros([4])));
      const source = tf.tidy(() => tf.range(0, 8).toFloat());
      const slice = source.slice([4], [4]);
      const opt = createNoisyOptimizer(innerFor('sgd'), { eta: 1, seed: 5, overwriteGradients });
      const entries = [
        { name: a.name, tensor: source },
        { name: b.name, tensor: slice },
      ];
      opt.applyGradients(order === 'source-first' ? entries : [...entries].reverse());
      const out = snapshot(order === 'source-first' ? [a, b] : [b, a]);
      tf.dispose([a, b, source, slice]);
      opt.dispose();
      return out;
    };
    for (const order of ['source-first', 'slice-first'] as const) {
      expect(bitIdentical(run(true, order), run(false, order)), order).toBe(true);
    }
  });
});
