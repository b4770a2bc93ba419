import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInnerOptimizer, createNoisyOptimizer, type NoiseOptions } from '../../../src/optim/index.js';
import { bitIdentical, expectNoLeakedTensors } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
expectNoLeakedTensors({ beforeEach, afterEach });

/** A small deep ReLU network as a LayersModel, with fixed weights. */
function buildModel(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 16, activation: 'relu', inputShape: [8] }));
  model.add(tf.layers.dense({ units: 16, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 3 }));
  // setWeights copies the values, so the tensors made for it are freed with the tidy.
  tf.tidy(() =>
    model.setWeights(
      model.getWeights().map((w, k) => {
        const values = Float32Array.from({ length: w.size }, (_, i) => 0.2 * Math.sin(3 + i * (k + 1)));
        return tf.tensor(values, w.shape);
      }),
    ),
  );
  return model;
}

function data(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const x = tf.tensor2d(
    Array.from({ length: 64 * 8 }, (_, i) => Math.cos(i * 0.37)),
    [64, 8],
  );
  const y = tf.tensor2d(
    Array.from({ length: 64 * 3 }, (_, i) => Math.sin(i * 0.11)),
    [64, 3],
  );
  return { x, y };
}

async function fitWith(noise: NoiseOptions): Promise<{ weights: Float32Array[]; iterations: number }> {
  const model = buildModel();
  const opt = createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate: 0.05 }), noise);
  model.compile({ optimizer: opt, loss: 'meanSquaredError' });
  const { x, y } = data();
  await model.fit(x, y, { batchSize: 16, epochs: 2, shuffle: false, verbose: 0 });
  const tensors = tf.memory().numTensors;
  await model.fit(x, y, { batchSize: 16, epochs: 1, shuffle: false, verbose: 0 });
  expect(tf.memory().numTensors).toBe(tensors);
  const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  const iterations = opt.iterations;
  tf.dispose([x, y]);
  model.dispose();
  opt.dispose();
  return { weights, iterations };
}

describe('training paths', () => {
  it('trains inside LayersModel.fit: one noisy step per batch, reproducible by seed', async () => {
    const quiet = await fitWith({ eta: 0, seed: 1 });
    const a = await fitWith({ eta: 0.01, seed: 1 });
    const b = await fitWith({ eta: 0.01, seed: 1 });
    const c = await fitWith({ eta: 0.01, seed: 2 });
    expect(a.iterations).toBe(3 * (64 / 16));
    expect(bitIdentical(a.weights, b.weights)).toBe(true);
    expect(bitIdentical(a.weights, c.weights)).toBe(false);
    expect(bitIdentical(a.weights, quiet.weights)).toBe(false);
  });

  it('trains in a custom loop with optimizer.minimize and lowers the loss', () => {
    const w = tf.tidy(() => tf.variable(tf.zeros([8, 3])));
    const { x, y: unused } = data();
    // A target the linear model can reach, so the loss must fall well below its start.
    const y = tf.tidy(() =>
      x.matMul(
        tf.tensor2d(
          Array.from({ length: 24 }, (_, i) => Math.sin(i)),
          [8, 3],
        ),
      ),
    );
    tf.dispose(unused);
    const loss = () => tf.losses.meanSquaredError(y, x.matMul(w)) as tf.Scalar;
    const opt = createNoisyOptimizer(createInnerOptimizer({ kind: 'adam', learningRate: 0.05 }), {
      eta: 0.01,
      seed: 3,
      clip: { byGlobalNorm: 1 },
    });
    const first = opt.minimize(loss, true);
    if (first === null) throw new Error('minimize(f, true) returned no cost');
    const start = first.dataSync()[0] as number;
    first.dispose();
    const tensors = tf.memory().numTensors;
    for (let s = 0; s < 60; s++) opt.minimize(loss);
    expect(tf.memory().numTensors).toBe(tensors);
    const last = tf.tidy(() => loss().dataSync()[0] as number);
    expect(last).toBeLessThan(start / 2);
    expect(opt.iterations).toBe(61);
    expect(opt.lastStats.gradGlobalNorm).toBeGreaterThan(0);
    expect(opt.lastStats.noiseStd).toBeCloseTo(Math.sqrt(0.01 / 61 ** 0.55), 12);
    tf.dispose([w, x, y]);
    opt.dispose();
  });
});
