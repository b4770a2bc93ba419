import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { keyedStream } from '../../../src/core/index.js';
import {
  type DenseGradientPath,
  denseLayer,
  gradientPathFor,
} from '../../../src/trainers/shared/dense-layer.js';
import { DenseNet } from '../../../src/trainers/shared/dense-net.js';
import { applyDropout } from '../../../src/trainers/shared/dropout.js';
import { streamsOf } from './helpers.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Seeded values in [-1, 1), so the two paths see exactly the same numbers. */
function values(seed: number, shape: number[]): tf.Tensor {
  const r = keyedStream([seed, 7, shape.length]);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => 2 * r.uniform() - 1),
    shape,
  );
}

/** Gradients of a weighted sum of the layer's output with respect to its inputs. */
function layerGrads(path: DenseGradientPath, relu: boolean, inputGradient: boolean): Float32Array[] {
  return tf.tidy(() => {
    const x = values(1, [6, 5]) as tf.Tensor2D;
    const kernel = values(2, [5, 4]) as tf.Tensor2D;
    const bias = values(3, [4]) as tf.Tensor1D;
    const weight = values(4, [6, 4]);
    const layer = denseLayer({ relu, inputGradient, gradient: path });
    const f = (k: tf.Tensor, b: tf.Tensor, input: tf.Tensor) =>
      tf.sum(tf.mul(layer(input as tf.Tensor2D, k as tf.Tensor2D, b as tf.Tensor1D), weight));
    const grads = inputGradient
      ? tf.grads((k: tf.Tensor, b: tf.Tensor, input: tf.Tensor) => f(k, b, input))([kernel, bias, x])
      : tf.grads((k: tf.Tensor, b: tf.Tensor) => f(k, b, x))([kernel, bias]);
    return grads.map((g) => Float32Array.from(g.dataSync()));
  });
}

function expectClose(a: readonly Float32Array[], b: readonly Float32Array[]): void {
  expect(a.map((t) => t.length)).toEqual(b.map((t) => t.length));
  a.forEach((t, i) => {
    const other = b[i] as Float32Array;
    t.forEach((v, j) => {
      expect(Math.abs(v - (other[j] as number))).toBeLessThan(1e-5 * (1 + Math.abs(v)));
    });
  });
}

function netGrads(path: DenseGradientPath, withDropout: boolean): { loss: number; grads: Float32Array[] } {
  const net = new DenseNet({ sizes: [7, 6, 6, 3], init: 'he', streams: streamsOf(11), gradient: path });
  const x = values(5, [8, 7]) as tf.Tensor2D;
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3)) as tf.Tensor2D;
  const dropout = withDropout
    ? (h: tf.Tensor2D, layer: number) => applyDropout(h, streamsOf(3), 0, layer, 0.5)
    : undefined;
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(labels, net.logits(x, dropout)) as tf.Scalar,
    net.variables(),
  );
  const out = {
    loss: value.dataSync()[0] as number,
    grads: net.variables().map((v) => Float32Array.from((grads[v.name] as tf.Tensor).dataSync())),
  };
  tf.dispose([value, x, labels, ...Object.values(grads)]);
  net.dispose();
  return out;
}

describe.each(['cpu', 'wasm'])('dense layer gradient paths on %s', (backend) => {
  it('agree: the transposed path gives tfjs autodiff gradients, with and without ReLU', async () => {
    expect(await tf.setBackend(backend)).toBe(true);
    for (const relu of [true, false]) {
      for (const inputGradient of [true, false]) {
        const transposed = layerGrads('transposed', relu, inputGradient);
        expect(transposed).toHaveLength(inputGradient ? 3 : 2);
        expectClose(transposed, layerGrads('tfjs', relu, inputGradient));
      }
    }
  });

  it('give the same loss and weight gradients through a DenseNet, dropout included, and leak nothing', async () => {
    expect(await tf.setBackend(backend)).toBe(true);
    netGrads('transposed', true);
    const before = tf.memory().numTensors;
    for (const withDropout of [false, true]) {
      const a = netGrads('transposed', withDropout);
      const b = netGrads('tfjs', withDropout);
      expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-6);
      expect(a.grads.some((g) => g.some((v) => v !== 0))).toBe(true);
      expectClose(a.grads, b.grads);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('gradient path choice', () => {
  it('takes the transposed path on wasm only (where it measured faster)', () => {
    expect(gradientPathFor('wasm')).toBe('transposed');
    expect(gradientPathFor('cpu')).toBe('tfjs');
    expect(gradientPathFor('tensorflow')).toBe('tfjs');
  });
});
