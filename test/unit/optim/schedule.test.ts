import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createInnerOptimizer,
  createNoisyOptimizer,
  noiseStd,
  noiseTick,
  noiseVariance,
  scheduledNoiseStd,
} from '../../../src/optim/index.js';
import { expectNoLeakedTensors, moments } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
expectNoLeakedTensors({ beforeEach, afterEach });

describe('schedule (paper §3, Eq. 1)', () => {
  it('is sigma^2 = eta / (1 + t)^gamma with t = 0 at the first update', () => {
    expect(noiseVariance(0, 0.01, 0.55)).toBe(0.01);
    expect(noiseVariance(10, 0.01, 0.55)).toBeCloseTo(0.01 / 11 ** 0.55, 15);
    expect(noiseVariance(1000, 1, 0.55)).toBeCloseTo(1 / 1001 ** 0.55, 15);
    expect(noiseStd(3, 0.01, 0.55)).toBe(Math.sqrt(noiseVariance(3, 0.01, 0.55)));
    expect(noiseStd(0, 0.01, 0.55)).toBeCloseTo(0.1, 15);
  });

  it('advances t once every stepsPerTick steps, and the fixed schedule never decays', () => {
    expect([0, 1, 2, 3, 5, 6].map((s) => noiseTick(s, 3))).toEqual([0, 0, 0, 1, 1, 2]);
    expect(scheduledNoiseStd(7, 0.25, 0.55, 'annealed', 3)).toBe(noiseStd(2, 0.25, 0.55));
    expect(scheduledNoiseStd(7, 0.25, 0.55, 'fixed', 3)).toBe(0.5);
  });
});

describe('empirical variance of the added noise', () => {
  const n = 200_000;
  const eta = 0.01;
  const gamma = 0.55;

  /**
   * The noise the optimizer adds at optimizer step `step`: with SGD, learning rate 1, zero
   * gradient and zero weights, the update is exactly w = -noise.
   */
  function noiseAt(step: number, schedule: 'annealed' | 'fixed' = 'annealed'): Float32Array {
    const v = tf.tidy(() => tf.variable(tf.zeros([n])));
    const zero = tf.zeros([n]);
    const opt = createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate: 1 }), {
      eta,
      gamma,
      seed: 2024,
      schedule,
    });
    if (step > 0) {
      const state = opt.exportState();
      opt.importState({ ...state, step });
      tf.dispose(state.inner.map((t) => t.tensor));
    }
    opt.applyGradients({ [v.name]: zero });
    expect(opt.lastStats.noiseStd).toBe(schedule === 'fixed' ? Math.sqrt(eta) : noiseStd(step, eta, gamma));
    const noise = Float32Array.from(v.dataSync(), (x) => -x);
    tf.dispose([v, zero]);
    opt.dispose();
    return noise;
  }

  it.each([0, 10, 1000])('matches eta / (1 + t)^gamma at t = %i, and not the variance-as-std bug', (t) => {
    const expected = noiseVariance(t, eta, gamma);
    // Var(sample variance) ≈ 2σ⁴ / (n − 1); allow 5 standard errors.
    const tolerance = 5 * expected * Math.sqrt(2 / (n - 1));
    const { mean, variance } = moments(noiseAt(t));
    expect(Math.abs(variance - expected)).toBeLessThan(tolerance);
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(expected / n));
    // The common bug scales unit normals by σ² instead of σ: its variance σ⁴ is far outside.
    const buggy = expected ** 2;
    expect(Math.abs(buggy - expected)).toBeGreaterThan(10 * tolerance);
    expect(Math.abs(variance - buggy)).toBeGreaterThan(tolerance);
  });

  it('stays at eta with the fixed schedule, even at t = 1000', () => {
    const { variance } = moments(noiseAt(1000, 'fixed'));
    expect(Math.abs(variance - eta)).toBeLessThan(5 * eta * Math.sqrt(2 / (n - 1)));
  });

  it('reaches t = 10 by stepping, not only by importing a state', () => {
    const v = tf.tidy(() => tf.variable(tf.zeros([n])));
    const zero = tf.zeros([n]);
    const opt = createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate: 1 }), {
      eta,
      gamma,
      seed: 5,
    });
    for (let s = 0; s < 10; s++) opt.applyGradients({ [v.name]: zero });
    const before = Float32Array.from(v.dataSync());
    opt.applyGradients({ [v.name]: zero });
    const delta = Float32Array.from(v.dataSync(), (x, i) => x - (before[i] as number));
    const expected = noiseVariance(10, eta, gamma);
    // float32 rounding of w adds a relative error of ~1e-7 per element, far below the tolerance.
    expect(Math.abs(moments(delta).variance - expected)).toBeLessThan(5 * expected * Math.sqrt(2 / (n - 1)));
    tf.dispose([v, zero]);
    opt.dispose();
  });
});
