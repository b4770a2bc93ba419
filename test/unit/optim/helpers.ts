import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { InnerOptimizerOptions, OptimizerKind } from '../../../src/core/index.js';
import { moments } from '../../helpers/stats.js';

export { moments };

import { createInnerOptimizer } from '../../../src/optim/index.js';

/** One small configuration per inner optimizer kind, with non-default options where they exist. */
export const KIND_OPTIONS: Readonly<Record<OptimizerKind, InnerOptimizerOptions>> = {
  sgd: { kind: 'sgd', learningRate: 0.1 },
  momentum: { kind: 'momentum', learningRate: 0.05, momentum: 0.8, useNesterov: true },
  adam: { kind: 'adam', learningRate: 0.01 },
  adagrad: { kind: 'adagrad', learningRate: 0.1 },
  rmsprop: { kind: 'rmsprop', learningRate: 0.01, momentum: 0.5, decay: 0.8 },
  adadelta: { kind: 'adadelta', learningRate: 1 },
  adamax: { kind: 'adamax', learningRate: 0.01, decay: 0.01 },
};

/** A tiny regression model as bare variables: y = relu(x W1 + b1) W2. */
export interface TinyModel {
  readonly variables: tf.Variable[];
  loss(step: number): tf.Scalar;
  dispose(): void;
}

/** Values of a deterministic pseudo-random batch for `step`, from a formula (no RNG needed). */
function batch(step: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const xs = Array.from({ length: 8 * 5 }, (_, i) => Math.sin(0.7 * i + 1.3 * step));
  const ys = Array.from({ length: 8 * 2 }, (_, i) => Math.cos(0.5 * i - 0.9 * step));
  return { x: tf.tensor2d(xs, [8, 5]), y: tf.tensor2d(ys, [8, 2]) };
}

/** Builds the tiny model with fixed initial weights, or copies of `from`. */
export function tinyModel(from?: readonly Float32Array[]): TinyModel {
  const init = (shape: [number, number] | [number], k: number): tf.Variable => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values =
      from?.[k] ?? Float32Array.from({ length: size }, (_, i) => 0.3 * Math.sin(1 + i * (k + 2)));
    return tf.tidy(() => tf.variable(tf.tensor(values, shape)));
  };
  const variables = [init([5, 4], 0), init([4], 1), init([4, 2], 2)];
  const [w1, b1, w2] = variables as [tf.Variable, tf.Variable, tf.Variable];
  return {
    variables,
    loss(step) {
      const { x, y } = batch(step);
      const out = tf.tidy(
        () => tf.losses.meanSquaredError(y, tf.relu(x.matMul(w1).add(b1)).matMul(w2)) as tf.Scalar,
      );
      tf.dispose([x, y]);
      return out;
    },
    dispose() {
      tf.dispose(variables);
    },
  };
}

/** Runs `steps` optimizer steps from `start` through `minimize`. */
export function train(model: TinyModel, optimizer: tf.Optimizer, start: number, steps: number): void {
  for (let s = start; s < start + steps; s++) optimizer.minimize(() => model.loss(s), false, model.variables);
}

/** Host copies of the variables' values. */
export function snapshot(variables: readonly tf.Variable[]): Float32Array[] {
  return variables.map((v) => Float32Array.from(v.dataSync()));
}

/** True when both lists hold bit-identical float32 values. */
export function bitIdentical(a: readonly Float32Array[], b: readonly Float32Array[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i];
    return (
      y !== undefined &&
      Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(
        Buffer.from(y.buffer, y.byteOffset, y.byteLength),
      )
    );
  });
}

export function innerFor(kind: OptimizerKind): tf.Optimizer {
  return createInnerOptimizer(KIND_OPTIONS[kind]);
}

/** Sample mean and (unbiased) variance. */
/**
 * Registers hooks that fail a test which leaves tensors behind: every test must dispose what it
 * created (models, optimizers with their slots, exported states), on top of the step-level checks.
 */
export function expectNoLeakedTensors(hooks: {
  beforeEach: (f: () => void) => void;
  afterEach: (f: () => void) => void;
}): void {
  let before = 0;
  hooks.beforeEach(() => {
    before = tf.memory().numTensors;
  });
  hooks.afterEach(() => {
    const after = tf.memory().numTensors;
    if (after !== before) throw new Error(`test leaked ${after - before} tensor(s)`);
  });
}

/** Φ(x) from erfc (W. J. Cody's rational approximation is overkill here; A&S 7.1.26 is within 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-z * z);
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Pearson correlation of two equally long samples. */
export function correlation(a: Float32Array, b: Float32Array): number {
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}

/**
 * Checks that `z` looks like independent standard normals: mean 0, variance 1 and kurtosis 3 each
 * within 5 standard errors, and the fraction below each of `quantiles` within 5 standard errors of
 * the normal CDF's. Returns nothing; fails the calling test through `expect`.
 */
export function expectStandardNormal(z: Float32Array, quantiles: readonly number[]): void {
  const n = z.length;
  const { mean, variance } = moments(z);
  expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
  expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  let m4 = 0;
  for (const v of z) m4 += v ** 4;
  // Var(z⁴) = 105 − 9 = 96.
  expect(Math.abs(m4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
  for (const q of quantiles) {
    let below = 0;
    for (const v of z) if (v < q) below += 1;
    const p = normalCdf(q);
    expect(Math.abs(below / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n) + 2e-7);
  }
}

/** How a noise generator adds `std` times its normals of `key` to `base` into `out`. */
type AddScaledNormals = (
  out: Float32Array,
  base: Float32Array,
  std: number,
  key: { readonly seed: number; readonly step: number; readonly index: number },
) => void;

/**
 * Expects a generator's kernel and its JavaScript reference to write the same bits for each
 * (size, key) case, over a fixed base and σ = 0.37.
 */
export function expectKernelMatchesReference(
  kernel: AddScaledNormals,
  reference: AddScaledNormals,
  cases: readonly (readonly [
    number,
    { readonly seed: number; readonly step: number; readonly index: number },
  ])[],
): void {
  for (const [size, key] of cases) {
    const base = Float32Array.from({ length: size }, (_, i) => Math.cos(i) * 0.01);
    const fromKernel = new Float32Array(size);
    const fromReference = new Float32Array(size);
    kernel(fromKernel, base, 0.37, key);
    reference(fromReference, base, 0.37, key);
    expect(new Uint32Array(fromKernel.buffer)).toEqual(new Uint32Array(fromReference.buffer));
  }
}
