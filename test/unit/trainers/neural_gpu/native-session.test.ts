import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
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
import { describeNative, useNativeBackend } from '../../../helpers/native.js';
import { readMetric, resumeMidRun, streamsOf } from '../helpers.js';

/**
 * The `neural_gpu` session on the `native` backend (`native-step.ts`): it steps through the addon,
 * follows the tfjs session closely, repeats itself bit for bit, resumes bit-identically mid-run,
 * evaluates as tfjs does, leaks no tensor, and falls back to tfjs for a batch the addon's workspace
 * limit refuses.
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
  const nativeOf = useNativeBackend();

  it('steps through the addon, follows the tfjs session closely and repeats itself to the bit', async () => {
    const kernels = counting(nativeOf());
    const first = await run(kernels, 6);
    expect(kernels.steps).toBe(6);
    expect(await run(nativeOf(), 6)).toEqual(first);
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
    const straight = await run(nativeOf(), total);
    const resumed = resumeMidRun(noisyAdam, (o) => session(o, nativeOf()), train, cut, total);
    expect(resumed.metrics).toEqual(straight.losses);
    expect(resumed.session.curriculum).toEqual(straight.curriculum);
    expect(weights(resumed.session.exportState())).toEqual(straight.weights);
    resumed.session.dispose();
    resumed.optimizer.dispose();
  });

  it('leaks no tensor across steps, evaluation and dispose', async () => {
    const start = tf.memory().numTensors;
    const optimizer = noisyAdam(11);
    const s = session(optimizer, nativeOf());
    train(s, 0, 1); // the optimizer creates its slots on the first step
    const settled = tf.memory().numTensors;
    train(s, 1, 4);
    await s.evaluate(4);
    expect(tf.memory().numTensors).toBe(settled);
    s.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('trains and evaluates a batch past the workspace limit through tfjs, as the tfjs session does', async () => {
    const refusing = counting({ ...nativeOf(), neuralGpuWorkspaceLength: () => 2 ** 31 });
    const fallback = await run(refusing, 2);
    expect(refusing.steps).toBe(0);
    expect(fallback).toEqual(await run(null, 2));
  });
});
