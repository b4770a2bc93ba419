import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadNativeKernels, type NativeKernels, selectBackend } from '../../../../src/backend/index.js';
import type { NeuralGpuKernels } from '../../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../../src/data/index.js';
import {
  createInnerOptimizer,
  createNoisyOptimizer,
  type NoisyOptimizer,
} from '../../../../src/optim/index.js';
import {
  compileNeuralGpuConfig,
  NEURAL_GPU_DEFAULTS,
  type NeuralGpuConfig,
  NeuralGpuSession,
} from '../../../../src/trainers/neural_gpu/index.js';
import type { TrainerState } from '../../../../src/trainers/types.js';
import { describeNative } from '../../../helpers/native.js';
import { readMetric, streamsOf } from '../helpers.js';
import { shapeOf } from './native-shape.js';

/**
 * The `neural_gpu` session on the `native` backend (`native-step.ts`): it steps through the addon,
 * follows the tfjs session closely, repeats itself bit for bit, resumes bit-identically mid-run,
 * evaluates as tfjs does, leaks no tensor, and falls back to tfjs for a batch the addon's workspace
 * limit refuses. And the addon's Neural GPU functions reject bad arguments by name.
 */

/** Dropout and a fast curriculum exercise every random stream. */
const config: NeuralGpuConfig = compileNeuralGpuConfig({
  ...NEURAL_GPU_DEFAULTS,
  task: 'add',
  maps: 6,
  layers: 2,
  height: 3,
  batchSize: 4,
  dropoutRate: 0.2,
  maxTrainLength: 4,
  curriculumStart: 2,
  curriculumThreshold: 1,
  curriculumWindow: 1,
  testLengths: [3, 5],
  evalExamples: 40,
});

function noisyAdam(seed: number): NoisyOptimizer {
  return createNoisyOptimizer(createInnerOptimizer({ kind: 'adam', learningRate: 1e-2, epsilon: 1e-4 }), {
    eta: 1.0,
    gamma: 0.55,
    seed,
    clip: { byGlobalNorm: 1.0 },
    overwriteGradients: true,
  });
}

/** The addon's functions, counting the training steps it runs. */
function counting(kernels: NeuralGpuKernels): NeuralGpuKernels & { steps: number } {
  const counted = {
    steps: 0,
    neuralGpuWorkspaceLength: kernels.neuralGpuWorkspaceLength.bind(kernels),
    neuralGpuPredict: kernels.neuralGpuPredict.bind(kernels),
    neuralGpuStep: (...args: Parameters<NeuralGpuKernels['neuralGpuStep']>) => {
      counted.steps += 1;
      return kernels.neuralGpuStep(...args);
    },
  };
  return counted;
}

function session(optimizer: NoisyOptimizer, kernels: NeuralGpuKernels | null): NeuralGpuSession {
  const s = new NeuralGpuSession(config, {
    streams: streamsOf(11),
    optimizer,
    backend: kernels === null ? 'wasm' : 'native',
    dataRoots: ANY_DATA_DIR,
    ...(kernels === null ? {} : { neuralGpuKernels: kernels }),
  });
  optimizer.keyNoiseByName(s.parameterNames());
  return s;
}

function train(s: NeuralGpuSession, from: number, to: number): number[] {
  const losses: number[] = [];
  for (let step = from; step < to; step += 1) losses.push(readMetric(s.trainStep(step).loss));
  return losses;
}

function weights(state: TrainerState): Record<string, Float32Array> {
  const out = Object.fromEntries(
    state.tensors.map(({ name, tensor }) => [name, tensor.dataSync<'float32'>()]),
  );
  tf.dispose(state.tensors.map(({ tensor }) => tensor));
  return out;
}

/** Losses, weights, an evaluation and the steps the addon ran, of `steps` steps from scratch. */
async function run(kernels: NeuralGpuKernels | null, steps: number) {
  const optimizer = noisyAdam(11);
  const s = session(optimizer, kernels);
  const losses = train(s, 0, steps);
  const evaluation = await s.evaluate(steps);
  const result = { losses, weights: weights(s.exportState()), evaluation, curriculum: s.curriculum };
  s.dispose();
  optimizer.dispose();
  return result;
}

describeNative('the neural_gpu session on native', () => {
  let native: NativeKernels;
  beforeAll(async () => {
    expect(await selectBackend('native')).toMatchObject({ name: 'native', tfjsName: 'wasm' });
    native = loadNativeKernels();
  });
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('steps through the addon, follows the tfjs session closely and repeats itself to the bit', async () => {
    const kernels = counting(native);
    const first = await run(kernels, 6);
    expect(kernels.steps).toBe(6);
    expect(await run(native, 6)).toEqual(first);
    const tfjs = await run(null, 6);
    first.losses.forEach((loss, i) => {
      expect(Math.abs(loss - (tfjs.losses[i] as number)) / loss, `step ${i}`).toBeLessThan(1e-4);
    });
    for (const [name, want] of Object.entries(tfjs.weights)) {
      const got = first.weights[name] as Float32Array;
      const diff = Math.max(...got.map((v, i) => Math.abs(v - (want[i] as number))));
      expect(diff, name).toBeLessThan(1e-4);
    }
    expect(first.curriculum).toEqual(tfjs.curriculum);
    expect(first.evaluation).toEqual(tfjs.evaluation);
  });

  it('resumes mid-run bit-identically', async () => {
    const total = 8;
    const cut = 3;
    const straight = await run(native, total);
    const optimizer = noisyAdam(11);
    const before = session(optimizer, native);
    const lossesBefore = train(before, 0, cut);
    const state = before.exportState();
    const optimizerState = optimizer.exportState();
    const meta = JSON.parse(JSON.stringify(state.meta)) as Record<string, unknown>;
    before.dispose();
    optimizer.dispose();

    const resumedOptimizer = noisyAdam(999); // the imported state's seed replaces this one
    const resumed = session(resumedOptimizer, native);
    resumed.importState({ tensors: state.tensors, meta });
    resumedOptimizer.importState(optimizerState);
    tf.dispose([...state.tensors, ...optimizerState.inner].map((t) => t.tensor));
    const lossesAfter = train(resumed, cut, total);
    expect([...lossesBefore, ...lossesAfter]).toEqual(straight.losses);
    expect(resumed.curriculum).toEqual(straight.curriculum);
    expect(weights(resumed.exportState())).toEqual(straight.weights);
    resumed.dispose();
    resumedOptimizer.dispose();
  });

  it('leaks no tensor across steps, evaluation and dispose', async () => {
    const start = tf.memory().numTensors;
    const optimizer = noisyAdam(11);
    const s = session(optimizer, native);
    train(s, 0, 1); // the optimizer creates its slots on the first step
    const settled = tf.memory().numTensors;
    train(s, 1, 4);
    await s.evaluate(4);
    expect(tf.memory().numTensors).toBe(settled);
    s.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('trains a batch past the workspace limit through tfjs, as the tfjs session does', async () => {
    const refusing = counting({
      ...native,
      neuralGpuWorkspaceLength: (shape, tape) =>
        tape === 'none' ? native.neuralGpuWorkspaceLength(shape, tape) : 2 ** 31,
    });
    const fallback = await run(refusing, 2);
    expect(refusing.steps).toBe(0);
    expect(fallback.losses).toEqual((await run(null, 2)).losses);
  });
});

describeNative("the addon's Neural GPU functions on bad arguments", () => {
  let k: NativeKernels;
  beforeAll(() => {
    k = loadNativeKernels();
  });

  const shape = shapeOf(config, 2, 5, 3);
  const sizes = [
    5 * 6,
    ...Array.from({ length: 2 }, () => [3 * 3 * 36, 6, 3 * 3 * 36, 6, 3 * 3 * 36, 6]).flat(),
    12,
    2,
  ];
  const params = () => sizes.map((n) => new Float32Array(n));
  const inputs = () => new Int32Array(10);
  const targets = () => new Int32Array(6);
  const state = 2 * 5 * 3 * 6;
  const work = () => new Float32Array(k.neuralGpuWorkspaceLength(shape, 'whole'));
  const step = (
    overrides: Partial<Record<'shape' | 'params' | 'inputs' | 'targets' | 'masks' | 'grads', unknown>>,
  ) =>
    k.neuralGpuStep(
      (overrides.shape ?? shape) as Int32Array,
      1.2,
      (overrides.params ?? params()) as Float32Array[],
      (overrides.inputs ?? inputs()) as Int32Array,
      (overrides.targets ?? targets()) as Int32Array,
      (overrides.masks ?? []) as Float32Array[],
      (overrides.grads ?? params()) as Float32Array[],
      new Float32Array(6),
      work(),
    );

  it('runs on well-formed arguments', () => {
    expect(step({})).toBeCloseTo(Math.log(2), 6);
    expect(step({ masks: [new Float32Array(state), new Float32Array(state)] })).toBeCloseTo(Math.log(2), 6);
  });

  it('names the argument that is wrong', () => {
    expect(() => step({ inputs: new Float32Array(10) })).toThrow(/inputs must be an Int32Array/);
    expect(() => step({ inputs: new Int32Array(9) })).toThrow(/inputs has 9 integers, needs 10/);
    expect(() => step({ inputs: Int32Array.of(0, 1, 2, 3, 4, 5, 0, 0, 0, 0) })).toThrow(
      /inputs\[5\] is 5, allowed 0 to 4/,
    );
    expect(() => step({ targets: Int32Array.of(0, 2, 0, 0, 0, 0) })).toThrow(
      /targets\[1\] is 2, allowed 0 to 1/,
    );
    expect(() => step({ params: params().slice(1) })).toThrow(/params has 14 arrays, needs 15/);
    const short = params();
    short[3] = new Float32Array(323);
    expect(() => step({ params: short })).toThrow(/params\[3\] has 323 floats, needs 324/);
    expect(() => step({ grads: [...params().slice(0, 14), [0, 0]] })).toThrow(
      /grads\[14\] must be a Float32Array/,
    );
    expect(() => step({ masks: [new Float32Array(state)] })).toThrow(/masks has 1 arrays, needs 0 or 2/);
    expect(() => step({ masks: 'none' })).toThrow(/masks must be an array/);
    const even = Int32Array.from(shape);
    even[5] = 2;
    expect(() => step({ shape: even })).toThrow(/kernel width must be odd/);
    const wide = Int32Array.from(shape);
    wide[7] = 6;
    expect(() => step({ shape: wide })).toThrow(/target width must be at most its width/);
    expect(() => k.neuralGpuWorkspaceLength(shape, 'all' as 'whole')).toThrow(/tape must be/);
    const huge = Int32Array.of(1000, 200_000, 1, 1, 64, 1, 1, 1, 5, 2);
    expect(() => k.neuralGpuWorkspaceLength(huge, 'whole')).toThrow(/shape is too large/);
    expect(() => k.neuralGpuWorkspaceLength(Int32Array.of(1, 2, 3), 'whole')).toThrow(
      /shape has 3 integers, needs 10/,
    );
    expect(() =>
      k.neuralGpuStep(shape, 0.5, params(), inputs(), targets(), [], params(), new Float32Array(6), work()),
    ).toThrow(/gateCutoff must be a number of at least 1/);
    expect(() =>
      k.neuralGpuPredict(shape, 1, params(), inputs(), new Float32Array(6), new Float32Array(10)),
    ).toThrow(/work has 10 floats, needs/);
  });
});
