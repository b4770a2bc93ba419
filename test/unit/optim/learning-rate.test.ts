import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { OPTIMIZER_KINDS, type OptimizerKind } from '../../../src/core/index.js';
import {
  createInnerOptimizer,
  createNoisyOptimizer,
  setInnerLearningRate,
} from '../../../src/optim/index.js';

/**
 * Every kind takes a new learning rate between steps exactly: a step at rate lr×k equals, bit for
 * bit, a step of the same optimizer built with lr×k (tfjs 4.22 only has `setLearningRate` on SGD;
 * see `setInnerLearningRate`).
 */

/** adamax with decay too: it divides the rate by 1 + iteration × decay at apply time. */
const OPTIONS: Record<OptimizerKind, Record<string, number | boolean>> = {
  sgd: {},
  momentum: { momentum: 0.9, useNesterov: true },
  adam: {},
  adagrad: {},
  rmsprop: { momentum: 0.5 },
  adadelta: {},
  adamax: { decay: 0.1 },
};

const GRADIENTS = [Float32Array.of(0.5, -1, 2), Float32Array.of(-0.25, 0.75, 1.5), Float32Array.of(1, 1, -3)];

/** The weights' bits after the steps, the rate set before step `i` to `rates[i]` when given. */
function train(kind: OptimizerKind, built: number, rates: readonly (number | undefined)[]): number[] {
  const inner = createInnerOptimizer({ kind, learningRate: built, ...OPTIONS[kind] });
  const initial = tf.tensor1d([1, 2, 3]);
  const w = tf.variable(initial);
  initial.dispose();
  GRADIENTS.forEach((g, i) => {
    const rate = rates[i];
    if (rate !== undefined) setInnerLearningRate(inner, rate);
    tf.tidy(() => inner.applyGradients({ [w.name]: tf.tensor1d(g) }));
  });
  const bits = Array.from(new Uint32Array(w.dataSync().slice().buffer));
  inner.dispose();
  w.dispose();
  return bits;
}

describe('setInnerLearningRate', () => {
  it.each(OPTIMIZER_KINDS)('%s: steps at lr×k equal the optimizer built with lr×k', (kind) => {
    const lr = 0.03;
    const k = 0.37;
    const scheduled = train(kind, lr, [lr * k, undefined, undefined]);
    expect(scheduled).toEqual(train(kind, lr * k, []));
    // The rate does act: at lr the weights differ.
    expect(scheduled).not.toEqual(train(kind, lr, []));
  });

  it.each(OPTIMIZER_KINDS)('%s: a rate changed midway applies from the next step on', (kind) => {
    const changed = train(kind, 0.03, [undefined, 0.01, undefined]);
    expect(changed).not.toEqual(train(kind, 0.03, []));
    // Setting the rate it already has changes nothing, and leaks no tensor.
    const before = tf.memory().numTensors;
    expect(train(kind, 0.03, [0.03, 0.03, 0.03])).toEqual(train(kind, 0.03, []));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reaches the inner optimizer through the noisy optimizer', () => {
    const noisy = createNoisyOptimizer(createInnerOptimizer({ kind: 'adam', learningRate: 0.1 }), {
      eta: 0,
      seed: 0,
    });
    noisy.setLearningRate(0.025);
    expect(noisy.inner.getConfig().learningRate).toBe(0.025);
    noisy.dispose();
  });
});
