import * as tf from '@tensorflow/tfjs';
import { afterAll, expect, it } from 'vitest';
import { type BackendPreference, selectBackend } from '../../../src/backend/index.js';
import { type NoiseGenerator, philoxKey, words } from '../../../src/core/index.js';
import { addScaledNormalsPhilox, createNoisyOptimizer, type NoiseOptions } from '../../../src/optim/index.js';
import { philox4x32 } from '../../../src/optim/philox.js';
import { addScaledNormalsPhiloxOnDevice, philoxWordsOnDevice } from '../../../src/optim/philox-webgpu.js';
import { describeWebGpu } from '../../helpers/webgpu.js';
import { innerFor, tinyModel } from './helpers.js';

/**
 * The `philox` generator's WGSL twin (src/optim/philox-wgsl.ts) against its WebAssembly kernel
 * (philox.wat), on lavapipe: the words bit for bit, the normals within 1e-6, and the noisy
 * optimizer's step on webgpu drawing its noise on the device, equal to the same step on wasm.
 */

type Words4 = [number, number, number, number];

/** Random123's known answers for Philox4x32-10, as in philox.test.ts: (counter; key) → output. */
const KNOWN_ANSWERS: readonly [Words4, [number, number], Words4][] = [
  [
    [0, 0, 0, 0],
    [0, 0],
    [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
  ],
  [
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  ],
  [
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  ],
];

/** (seed, step, tensor key) triples: small, a step past 2^32 (its high word), a name-like key. */
const KEYS = [
  { seed: 0, step: 0, index: 0 },
  { seed: 42, step: 7, index: 3 },
  { seed: -987_654_321, step: 2 ** 33 + 5, index: 0x9e3779b9 },
  { seed: 2 ** 40 + 17, step: 123_456, index: 0x7fffffff },
];

function wasmNormals(n: number, key: (typeof KEYS)[number]): Float32Array {
  const out = new Float32Array(n);
  addScaledNormalsPhilox(out, out, 1, key);
  return out;
}

async function deviceAdd(base: Float32Array, std: number, key: (typeof KEYS)[number]): Promise<Float32Array> {
  const sum = tf.tidy(() => addScaledNormalsPhiloxOnDevice(tf.tensor(base, [base.length]), std, key));
  const values = Float32Array.from(await sum.data());
  sum.dispose();
  return values;
}

/** Trains the tiny model 4 steps on `backend` with `options` and seed 11; returns its weights. */
async function train(
  backend: BackendPreference,
  options: Omit<NoiseOptions, 'seed'>,
): Promise<Float32Array[]> {
  await selectBackend(backend);
  const model = tinyModel();
  const optimizer = createNoisyOptimizer(innerFor('adam'), { ...options, seed: 11 });
  for (let s = 0; s < 4; s++) {
    tf.tidy(() => {
      optimizer.minimize(() => model.loss(s), false, model.variables);
    });
    await optimizer.settle();
  }
  const weights = await Promise.all(model.variables.map(async (v) => Float32Array.from(await v.data())));
  optimizer.dispose();
  model.dispose();
  return weights;
}

function expectClose(a: readonly Float32Array[], b: readonly Float32Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => {
    const y = b[i] as Float32Array;
    const excess = x.map((v, j) => Math.abs(v - (y[j] as number)) - (1e-5 * Math.abs(y[j] as number) + 1e-7));
    expect(Math.max(...excess), `variable ${i}`).toBeLessThanOrEqual(0);
  });
}

/** The sizes of the arrays the backend is handed (uploads) while one step is applied on webgpu. */
async function uploadsOfOneStep(generator: NoiseGenerator): Promise<number[]> {
  await selectBackend('webgpu');
  const model = tinyModel();
  const optimizer = createNoisyOptimizer(innerFor('sgd'), { eta: 0.01, seed: 5, generator });
  const { grads, value } = tf.variableGrads(() => model.loss(0), model.variables);
  const backend = tf.backend();
  const write = backend.write.bind(backend);
  const sizes: number[] = [];
  backend.write = (values, shape, dtype) => {
    // Kernels' outputs are written with no values (allocated on the device): not uploads.
    if (values !== null && values !== undefined) sizes.push(values.length);
    return write(values, shape, dtype);
  };
  try {
    optimizer.applyGradients(grads);
  } finally {
    backend.write = write;
  }
  await optimizer.settle();
  tf.dispose([value, ...Object.values(grads)]);
  optimizer.dispose();
  model.dispose();
  return sizes;
}

describeWebGpu('philox on webgpu', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('gives the Random123 known answers on the device', async () => {
    await selectBackend('webgpu');
    for (const [counter, key, out] of KNOWN_ANSWERS) {
      expect(Array.from(await philoxWordsOnDevice(counter, key, 1))).toEqual(out);
    }
  });

  it("draws a tensor's words bit for bit as the WebAssembly kernel does", async () => {
    await selectBackend('webgpu');
    const blocks = 777;
    for (const key of KEYS) {
      const [stepLow, stepHigh] = words(key.step);
      const k = philoxKey(key.seed, key.index);
      const device = await philoxWordsOnDevice([0, stepLow, stepHigh, 0], k, blocks);
      const wasm = new Uint32Array(4 * blocks);
      for (let b = 0; b < blocks; b++) wasm.set(philox4x32([b, stepLow, stepHigh, 0], k), 4 * b);
      expect(device).toEqual(wasm);
    }
  });

  it('draws the normals within 1e-6 of the WebAssembly kernel', async () => {
    await selectBackend('webgpu');
    // Not a multiple of 4: the last block's extra normals are dropped on both sides.
    const n = 40_003;
    for (const key of KEYS) {
      const wasm = wasmNormals(n, key);
      const device = await deviceAdd(new Float32Array(n), 1, key);
      let worst = 0;
      for (let i = 0; i < n; i++)
        worst = Math.max(worst, Math.abs((device[i] as number) - (wasm[i] as number)));
      expect(worst, JSON.stringify(key)).toBeLessThanOrEqual(1e-6);
    }
  });

  it('adds std times the normals to its input, as addScaledNormalsPhilox does', async () => {
    await selectBackend('webgpu');
    const key = KEYS[1] as (typeof KEYS)[number];
    const base = Float32Array.from({ length: 1001 }, (_, i) => Math.sin(i));
    const wasm = new Float32Array(base.length);
    addScaledNormalsPhilox(wasm, base, 0.03, key);
    const device = await deviceAdd(base, 0.03, key);
    // 0.03 × the normals' 1e-6 is below float32's resolution of the sums (|sum| < 1.1): one ulp apart.
    const worst = Math.max(...device.map((v, i) => Math.abs(v - (wasm[i] as number))));
    expect(worst).toBeLessThanOrEqual(2 ** -23);
  });

  it('makes the noisy step on webgpu equal the step on wasm, for both noise targets', async () => {
    for (const target of ['gradient', 'weight'] as const) {
      const options = { eta: 0.05, gamma: 0.55, generator: 'philox' as const, target };
      const tensors = tf.memory().numTensors;
      expectClose(await train('webgpu', options), await train('wasm', options));
      expect(tf.memory().numTensors, `${target} leaked`).toBe(tensors);
    }
  });

  it('uploads no noise with philox on webgpu; the host generators upload theirs', async () => {
    // Only scalars (clip bounds, constants) may be written; the host generators write each tensor's noise.
    expect((await uploadsOfOneStep('philox')).filter((size) => size > 1)).toEqual([]);
    expect((await uploadsOfOneStep('box-muller')).filter((size) => size > 1)).toEqual([20, 4, 8]);
  });
});
