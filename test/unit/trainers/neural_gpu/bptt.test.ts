import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchGradients, type LossHead } from '../../../../src/trainers/neural_gpu/bptt.js';
import { NeuralGpuModel } from '../../../../src/trainers/neural_gpu/index.js';
import { streamsOf } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const shape = { maps: 5, layers: 2, kernelWidth: 3, kernelHeight: 3, height: 3, gateCutoff: 1.2 };

/** A loss that weighs every position and class differently, so no gradient is trivially zero. */
const head: LossHead = {
  loss: (logits) =>
    tf.tidy(() => {
      const weights = tf.linspace(-1, 2, logits.size).reshape(logits.shape);
      return tf.sum(tf.mul(tf.tanh(logits), weights)) as tf.Scalar;
    }),
  predict: (logits) => tf.argMax(logits, 2),
};

function masksFor(batch: number, width: number): tf.Tensor4D[] {
  return [0, 1].map(
    (layer) =>
      tf.tidy(() =>
        tf.mul(tf.step(tf.randomUniform([batch, width, 3, 5], -0.3, 1, 'float32', 40 + layer)), 1 / 0.77),
      ) as tf.Tensor4D,
  );
}

describe('batchGradients (backpropagation through time with per-step recomputation)', () => {
  it('equals the gradient of one tape over the whole unroll, and leaks nothing', () => {
    const model = new NeuralGpuModel(shape, streamsOf(3));
    const inputs = tf.tensor2d([1, 2, 3, 2, 1, 2, 1, 4, 1, 1, 2, 2, 2, 3, 1, 1, 1, 2], [2, 9], 'int32');
    const masks = masksFor(2, 9);
    const variables = model.namedVariables.map(({ variable }) => variable);

    const full = tf.variableGrads(() => head.loss(model.logits(inputs, masks)), variables);
    const before = tf.memory().numTensors;
    const ours = batchGradients(model, inputs, masks, head);
    expect(tf.memory().numTensors).toBe(before + 2 + variables.length); // loss, predicted, gradients

    expect(ours.loss.dataSync()[0]).toBeCloseTo(full.value.dataSync()[0] ?? Number.NaN, 4);
    expect(ours.gradients.map((g) => g.name)).toEqual(variables.map((v) => v.name));
    for (const { name, tensor } of ours.gradients) {
      const expected = full.grads[name];
      if (expected === undefined) throw new Error(`no full-tape gradient for ${name}`);
      const a = tensor.dataSync();
      const b = expected.dataSync();
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < a.length; i += 1) {
        worst = Math.max(worst, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
        scale = Math.max(scale, Math.abs(b[i] ?? 0));
      }
      expect(scale, `${name} has a non-zero gradient`).toBeGreaterThan(0);
      expect(worst / scale, name).toBeLessThan(1e-4);
    }
    expect(Array.from(ours.predicted.dataSync())).toEqual(
      Array.from(tf.tidy(() => head.predict(model.logits(inputs, masks))).dataSync()),
    );
    tf.dispose([ours.loss, ours.predicted, ...ours.gradients.map((g) => g.tensor)]);
    tf.dispose([full.value, ...Object.values(full.grads), inputs, ...masks]);
    model.dispose();
  });
});
