import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ConvActivation, convSame } from '../../../../src/trainers/neural_gpu/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** tfjs's own composition, whose gradients the cpu backend provides. */
function reference(x: tf.Tensor4D, k: tf.Tensor4D, b: tf.Tensor1D, activation: ConvActivation): tf.Tensor4D {
  const z = tf.add(tf.conv2d(x, k, 1, 'same'), b) as tf.Tensor4D;
  return activation === 'sigmoid' ? tf.sigmoid(z) : z;
}

function inputs(kw: number, kh: number): [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.Tensor4D] {
  return [
    tf.randomNormal([3, 7, 4, 5], 0, 1, 'float32', 11) as tf.Tensor4D,
    tf.randomNormal([kw, kh, 5, 6], 0, 0.3, 'float32', 12) as tf.Tensor4D,
    tf.randomNormal([6], 0, 1, 'float32', 13) as tf.Tensor1D,
    // A non-uniform upstream gradient, so every output position weighs differently.
    tf.randomNormal([3, 7, 4, 6], 0, 1, 'float32', 14) as tf.Tensor4D,
  ];
}

function gradients(
  f: (x: tf.Tensor4D, k: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D,
  args: [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.Tensor4D],
): Float32Array[] {
  const [x, k, b, dy] = args;
  return tf.tidy(() => {
    const [dx, dk, db] = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
      tf.sum(tf.mul(f(a as tf.Tensor4D, c as tf.Tensor4D, d as tf.Tensor1D), dy)),
    )([x, k, b]);
    return [dx, dk, db].map((g) => Float32Array.from(g?.dataSync() ?? []));
  });
}

function expectClose(actual: Float32Array, expected: Float32Array, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i += 1) {
    worst = Math.max(worst, Math.abs((actual[i] ?? 0) - (expected[i] ?? 0)));
  }
  expect(worst).toBeLessThan(tolerance);
}

describe('convSame', () => {
  it.each([
    [3, 3, 'sigmoid'],
    [3, 3, 'linear'],
    [5, 1, 'sigmoid'],
    [1, 3, 'linear'],
  ] as const)('matches tf.conv2d value and gradients (kernel %d×%d, %s)', (kw, kh, activation) => {
    const args = inputs(kw, kh);
    const [x, k, b] = args;
    const value = tf.tidy(() => convSame(x, k, b, activation).dataSync());
    const expectedValue = tf.tidy(() => reference(x, k, b, activation).dataSync());
    expectClose(Float32Array.from(value), Float32Array.from(expectedValue), 1e-5);
    const ours = gradients((a, c, d) => convSame(a, c, d, activation), args);
    const theirs = gradients((a, c, d) => reference(a, c, d, activation), args);
    for (let i = 0; i < 3; i += 1)
      expectClose(ours[i] ?? new Float32Array(), theirs[i] ?? new Float32Array(), 1e-4);
    tf.dispose(args);
  });

  it('leaves no tensor behind', () => {
    const args = inputs(3, 3);
    const before = tf.memory().numTensors;
    gradients((a, c, d) => convSame(a, c, d, 'sigmoid'), args);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(args);
  });

  it('trains on wasm, which lacks Conv2DBackpropFilter, with the same gradients as cpu', async () => {
    const onCpu = gradients((a, c, d) => convSame(a, c, d, 'sigmoid'), inputs(3, 3));
    expect(await tf.setBackend('wasm')).toBe(true);
    try {
      const args = inputs(3, 3);
      expect(() =>
        tf.grad((k: tf.Tensor) => tf.sum(tf.conv2d(args[0], k as tf.Tensor4D, 1, 'same')))(args[1]),
      ).toThrow(/Conv2DBackpropFilter/);
      const onWasm = gradients((a, c, d) => convSame(a, c, d, 'sigmoid'), args);
      for (let i = 0; i < 3; i += 1)
        expectClose(onWasm[i] ?? new Float32Array(), onCpu[i] ?? new Float32Array(), 1e-4);
      tf.dispose(args);
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
