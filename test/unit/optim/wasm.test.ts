import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInnerOptimizer, createNoisyOptimizer } from '../../../src/optim/index.js';
import { bitIdentical, expectNoLeakedTensors, innerFor, snapshot, tinyModel, train } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
expectNoLeakedTensors({ beforeEach, afterEach });

/** The noise the optimizer adds on the current backend (SGD, lr 1, zero gradient: w = -noise). */
function noiseOnBackend(): Float32Array {
  const v = tf.tidy(() => tf.variable(tf.zeros([4096])));
  const zero = tf.zeros([4096]);
  const opt = createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate: 1 }), {
    eta: 0.01,
    seed: 77,
  });
  opt.applyGradients({ [v.name]: zero });
  const out = Float32Array.from(v.dataSync());
  tf.dispose([v, zero]);
  opt.dispose();
  return out;
}

describe('on the wasm backend', () => {
  it('adds the same noise as on cpu, trains reproducibly and does not leak', async () => {
    const onCpu = noiseOnBackend();
    expect(await tf.setBackend('wasm')).toBe(true);
    expect(tf.getBackend()).toBe('wasm');
    // The noise is generated on the host, so it does not depend on the backend.
    expect(bitIdentical([noiseOnBackend()], [onCpu])).toBe(true);

    const run = (seed: number): Float32Array[] => {
      const model = tinyModel();
      const opt = createNoisyOptimizer(innerFor('adam'), { eta: 0.01, seed, clip: { byValue: 1 } });
      train(model, opt, 0, 1);
      const tensors = tf.memory().numTensors;
      train(model, opt, 1, 5);
      expect(tf.memory().numTensors).toBe(tensors);
      const weights = snapshot(model.variables);
      model.dispose();
      opt.dispose();
      return weights;
    };
    expect(bitIdentical(run(4), run(4))).toBe(true);
    expect(bitIdentical(run(4), run(5))).toBe(false);
  });
});
