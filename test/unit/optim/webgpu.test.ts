import * as tf from '@tensorflow/tfjs';
import { afterAll, expect, it } from 'vitest';
import { type BackendPreference, selectBackend } from '../../../src/backend/index.js';
import { OPTIMIZER_KINDS } from '../../../src/core/index.js';
import { createNoisyOptimizer, type NoiseOptions, type NoisyOptimizer } from '../../../src/optim/index.js';
import { describeWebGpu } from '../../helpers/webgpu.js';
import { innerFor, type TinyModel, tinyModel } from './helpers.js';

/**
 * The noisy optimizer on `webgpu` (its device path, `src/optim/device-path.ts`) against the host
 * path on `cpu`, which the other optimizer tests pin down: the same clipping, the same noise from
 * the same streams, the same skips, the same exported state, no leaked tensor. On lavapipe.
 */

/** |a − b| <= 1e-5 |b| + 1e-7 elementwise: float32 kernels of two backends, a few steps apart. */
function expectClose(a: readonly Float32Array[], b: readonly Float32Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => {
    const y = b[i] as Float32Array;
    let worst = 0;
    for (let j = 0; j < x.length; j++) {
      const excess = Math.abs((x[j] as number) - (y[j] as number)) - (1e-5 * Math.abs(y[j] as number) + 1e-7);
      worst = Math.max(worst, excess);
    }
    expect(worst, `variable ${i}`).toBe(0);
  });
}

async function values(variables: readonly tf.Tensor[]): Promise<Float32Array[]> {
  return Promise.all(variables.map(async (v) => Float32Array.from(await v.data())));
}

interface Trained {
  readonly weights: Float32Array[];
  readonly norms: number[];
  readonly stds: number[];
  readonly skipped: number;
  readonly iterations: number;
}

/**
 * Trains the tiny model `steps` steps on `backend` (settling each), with a NaN loss at `nanSteps`.
 * `between` runs after each step (export and import the state, say). Everything is disposed.
 */
async function train(
  backend: BackendPreference,
  kind: (typeof OPTIMIZER_KINDS)[number],
  options: Omit<NoiseOptions, 'seed'>,
  steps = 4,
  nanSteps: readonly number[] = [],
  between?: (optimizer: NoisyOptimizer, model: TinyModel) => NoisyOptimizer,
): Promise<Trained> {
  await selectBackend(backend);
  const model = tinyModel();
  let optimizer = createNoisyOptimizer(innerFor(kind), { ...options, seed: 11 });
  const norms: number[] = [];
  const stds: number[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = nanSteps.includes(s)
      ? () => tf.tidy(() => tf.mul(model.loss(s), Number.NaN)) as tf.Scalar
      : () => model.loss(s);
    // Inside tf.tidy, as every trainer calls it: what the step keeps must survive the scope.
    tf.tidy(() => {
      optimizer.minimize(loss, false, model.variables);
    });
    const stats = await optimizer.settle();
    norms.push(stats.gradGlobalNorm);
    stds.push(stats.noiseStd);
    if (between !== undefined) optimizer = between(optimizer, model);
  }
  const trained = {
    weights: await values(model.variables),
    norms,
    stds,
    skipped: optimizer.skippedSteps,
    iterations: optimizer.iterations,
  };
  optimizer.dispose();
  model.dispose();
  return trained;
}

const CLIPPED_NOISE: Omit<NoiseOptions, 'seed'> = {
  eta: 0.01,
  gamma: 0.55,
  clip: { byValue: 0.3, byTensorNorm: 0.4, byGlobalNorm: 0.5 },
};

describeWebGpu('the noisy optimizer on webgpu', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('matches the host path for every inner optimizer, with clipping and noise', async () => {
    for (const kind of OPTIMIZER_KINDS) {
      const tensors = tf.memory().numTensors;
      const host = await train('cpu', kind, CLIPPED_NOISE);
      const device = await train('webgpu', kind, CLIPPED_NOISE);
      expectClose(device.weights, host.weights);
      for (const [i, norm] of device.norms.entries()) expect(norm).toBeCloseTo(host.norms[i] as number, 5);
      expect(device.stds).toEqual(host.stds);
      expect(device.stds[0]).toBeCloseTo(0.1, 9);
      expect(tf.memory().numTensors, `${kind} leaked`).toBe(tensors);
    }
  });

  it('adds the noise to the weights with target weight, as the host path does', async () => {
    const options = { eta: 0.05, gamma: 0.55, target: 'weight' as const };
    expectClose(
      (await train('webgpu', 'adam', options)).weights,
      (await train('cpu', 'adam', options)).weights,
    );
  });

  it('passes the gradient through untouched with no noise and no clipping', async () => {
    const options = { eta: 0 };
    const host = await train('cpu', 'momentum', options);
    const device = await train('webgpu', 'momentum', options);
    expectClose(device.weights, host.weights);
    expect(device.stds).toEqual([0, 0, 0, 0]);
  });

  it('skips a non-finite step after the fact: weights, slots and noise step as before', async () => {
    for (const kind of ['adam', 'rmsprop', 'sgd'] as const) {
      // The first step (slots not made yet) and a later one.
      const host = await train('cpu', kind, CLIPPED_NOISE, 5, [0, 2]);
      const device = await train('webgpu', kind, CLIPPED_NOISE, 5, [0, 2]);
      expect(device).toMatchObject({ skipped: 2, iterations: 3 });
      expect(host).toMatchObject({ skipped: 2, iterations: 3 });
      expect(device.norms.map(Number.isFinite)).toEqual([false, true, false, true, true]);
      expect(device.stds).toEqual(host.stds);
      expectClose(device.weights, host.weights);
    }
  });

  it('resumes exactly from its exported state', async () => {
    // After every step the state goes through export → a fresh optimizer's import, as a resume does.
    const resume = (optimizer: NoisyOptimizer): NoisyOptimizer => {
      const state = optimizer.exportState();
      const next = createNoisyOptimizer(innerFor('adam'), { ...CLIPPED_NOISE, seed: 999 });
      next.importState(state);
      tf.dispose(state.inner.map((t) => t.tensor));
      optimizer.dispose();
      return next;
    };
    const straight = await train('webgpu', 'adam', CLIPPED_NOISE, 4);
    const resumed = await train('webgpu', 'adam', CLIPPED_NOISE, 4, [], resume);
    expectClose(resumed.weights, straight.weights);
    expect(resumed.iterations).toBe(4);
  });

  it('clips by the global norm of many variables (more than one AddN kernel binds)', async () => {
    // 20 gradients: tfjs-backend-webgpu's AddN binds each input, and more than 7 failed validation,
    // dropping the whole batch of kernels with it.
    const run = async (backend: BackendPreference): Promise<{ norm: number; weights: Float32Array[] }> => {
      await selectBackend(backend);
      const variables = Array.from({ length: 20 }, (_, i) =>
        tf.variable(tf.fill([3], 0.1 * i), true, `many${i}`),
      );
      const grads = variables.map((v, i) => ({ name: v.name, tensor: tf.fill([3], i % 2 === 0 ? 1 : -2) }));
      const optimizer = createNoisyOptimizer(innerFor('sgd'), { eta: 0, seed: 1, clip: { byGlobalNorm: 1 } });
      optimizer.applyGradients(grads);
      const { gradGlobalNorm: norm } = await optimizer.settle();
      const weights = await values(variables);
      tf.dispose([...variables, ...grads.map((g) => g.tensor)]);
      optimizer.dispose();
      return { norm, weights };
    };
    const host = await run('cpu');
    const device = await run('webgpu');
    expect(host.norm).toBeCloseTo(Math.sqrt(30 * 1 + 30 * 4), 9);
    expect(device.norm).toBeCloseTo(host.norm, 4);
    expectClose(device.weights, host.weights);
  });

  it('refuses a second step, and an export, before the first is settled', async () => {
    await selectBackend('webgpu');
    const model = tinyModel();
    const optimizer = createNoisyOptimizer(innerFor('sgd'), { ...CLIPPED_NOISE, seed: 3 });
    optimizer.minimize(() => model.loss(0), false, model.variables);
    expect(optimizer.lastStats).toMatchObject({ deferred: true, noiseStd: 0.1 });
    expect(Number.isNaN(optimizer.lastStats.gradGlobalNorm)).toBe(true);
    expect(() => optimizer.minimize(() => model.loss(1), false, model.variables)).toThrow(
      /step 0 on the webgpu device was not settled; await settle\(\) after every step/,
    );
    expect(() => optimizer.exportState()).toThrow(/settle\(\) the last step before exportState/);
    // Disposing an unsettled optimizer frees the step's tensors too.
    const before = tf.memory().numTensors;
    optimizer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });
});
