import * as tf from '@tensorflow/tfjs';
import { afterAll, expect, it } from 'vitest';
import { type BackendPreference, selectBackend } from '../../../src/backend/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { createInnerOptimizer, createNoisyOptimizer, type NoisyOptimizer } from '../../../src/optim/index.js';
import {
  compileNeuralGpuConfig,
  NEURAL_GPU_DEFAULTS,
  type NeuralGpuConfig,
  NeuralGpuSession,
} from '../../../src/trainers/neural_gpu/index.js';
import { describeWebGpu } from '../../helpers/webgpu.js';
import { streamsOf } from './helpers.js';

/**
 * The Neural GPU trainer on `webgpu` (lavapipe here): its step reads the batch's errors back with
 * `await data()` (`trainStepAsync`), since webgpu in Node has no synchronous read, and it matches
 * the same run on `wasm` within float32 tolerance; a run resumed from an exported state on webgpu
 * continues exactly as an uninterrupted one there.
 */

/** Small enough for lavapipe; dropout, noise, clipping and a fast curriculum exercise every path. */
const tiny: NeuralGpuConfig = compileNeuralGpuConfig({
  ...NEURAL_GPU_DEFAULTS,
  task: 'add',
  maps: 6,
  layers: 2,
  height: 2,
  batchSize: 4,
  dropoutRate: 0.2,
  maxTrainLength: 4,
  curriculumStart: 2,
  curriculumThreshold: 1,
  curriculumWindow: 1,
  testLengths: [3],
  evalExamples: 16,
});
const STEPS = 4;
const SEED = 8;

function optimizer(): NoisyOptimizer {
  return createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate: 0.05 }), {
    eta: 0.01,
    gamma: 0.55,
    seed: SEED,
    generator: 'philox',
    clip: { byGlobalNorm: 1.0 },
  });
}

function session(opt: NoisyOptimizer): NeuralGpuSession {
  const context = {
    streams: streamsOf(SEED),
    optimizer: opt,
    backend: tf.getBackend(),
    dataRoots: ANY_DATA_DIR,
  };
  return new NeuralGpuSession(tiny, context);
}

interface Trained {
  readonly losses: number[];
  readonly lengths: number[];
  readonly curriculum: number;
  readonly weights: Map<string, Float32Array>;
  readonly evaluation: Record<string, number>;
}

/** Steps [from, to) as the runtime runs them: the async step, then the optimizer's settle. */
async function train(s: NeuralGpuSession, opt: NoisyOptimizer, from: number, to: number, losses: number[]) {
  const lengths: number[] = [];
  for (let step = from; step < to; step++) {
    const metrics = await s.trainStepAsync(step);
    await opt.settle();
    losses.push(metrics.loss as number);
    lengths.push(metrics.train_length as number);
  }
  return lengths;
}

async function result(s: NeuralGpuSession, losses: number[], lengths: number[]): Promise<Trained> {
  const state = s.exportState();
  const weights = new Map<string, Float32Array>();
  for (const { name, tensor } of state.tensors) weights.set(name, Float32Array.from(await tensor.data()));
  tf.dispose(state.tensors.map(({ tensor }) => tensor));
  return { losses, lengths, curriculum: s.curriculum.length, weights, evaluation: await s.evaluate(STEPS) };
}

async function run(backend: BackendPreference): Promise<Trained> {
  await selectBackend(backend);
  const opt = optimizer();
  const s = session(opt);
  const losses: number[] = [];
  const lengths = await train(s, opt, 0, STEPS, losses);
  const out = await result(s, losses, lengths);
  s.dispose();
  opt.dispose();
  return out;
}

/** |a − b| <= tol (1 + |b|) elementwise. */
function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what: string,
): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const [a, b] = [actual[i] as number, expected[i] as number];
    expect(Math.abs(a - b), `${what}[${i}]: ${a} against ${b}`).toBeLessThanOrEqual(tol * (1 + Math.abs(b)));
  }
}

describeWebGpu('the neural_gpu trainer on webgpu', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('trains as on wasm, within float32 tolerance, reading back only asynchronously', async () => {
    const wasm = await run('wasm');
    const start = tf.memory().numTensors;
    const webgpu = await run('webgpu');
    expect(tf.memory().numTensors).toBe(start);
    // The discrete parts (lengths, curriculum) agree exactly; the floats to kernel rounding.
    expect(webgpu.lengths).toEqual(wasm.lengths);
    expect(webgpu.curriculum).toBe(wasm.curriculum);
    expect(webgpu.curriculum).toBeGreaterThan(tiny.curriculumStart);
    expectClose(webgpu.losses, wasm.losses, 1e-4, 'loss');
    expect([...webgpu.weights.keys()]).toEqual([...wasm.weights.keys()]);
    for (const [name, w] of wasm.weights) expectClose(webgpu.weights.get(name) ?? [], w, 1e-4, name);
    expect(Object.keys(webgpu.evaluation).sort()).toEqual(Object.keys(wasm.evaluation).sort());
    for (const [name, value] of Object.entries(wasm.evaluation)) {
      // Error rates over 16 examples: an argmax at a near-tie may flip one digit.
      expect(Math.abs((webgpu.evaluation[name] ?? Number.NaN) - value), name).toBeLessThanOrEqual(1 / 16);
    }
  });

  it('has no synchronous step there, and resumes from an exported state exactly', async () => {
    await selectBackend('webgpu');
    const uninterrupted = await run('webgpu');

    const firstOpt = optimizer();
    const first = session(firstOpt);
    expect(() => first.trainStep(0)).toThrow(
      /reads the batch's errors synchronously.*webgpu.*trainStepAsync/,
    );
    const losses: number[] = [];
    const lengths = await train(first, firstOpt, 0, 2, losses);
    const state = first.exportState();
    const optState = firstOpt.exportState();
    first.dispose();
    firstOpt.dispose();

    const opt = optimizer();
    const resumed = session(opt);
    resumed.importState({ tensors: state.tensors, meta: JSON.parse(JSON.stringify(state.meta)) });
    opt.importState(optState);
    tf.dispose([...state.tensors, ...optState.inner].map((t) => t.tensor));
    lengths.push(...(await train(resumed, opt, 2, STEPS, losses)));
    const after = await result(resumed, losses, lengths);
    resumed.dispose();
    opt.dispose();
    expect(after).toEqual(uninterrupted);
  });
});
