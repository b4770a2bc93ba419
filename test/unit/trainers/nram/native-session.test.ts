import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import type { NramKernels } from '../../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../../src/data/index.js';
import type { NoisyOptimizer } from '../../../../src/optim/index.js';
import { compileNramConfig, NRAM_DEFAULTS, NramSession } from '../../../../src/trainers/nram/index.js';
import { describeNative, useNativeBackend } from '../../../helpers/native.js';
import { exportedWeights, noisyAdam, readMetrics, resumeMidRun, streamsOf } from '../helpers.js';

/**
 * The `nram` session on the `native` backend (`native-step.ts`): it steps and evaluates through the
 * addon, follows the tfjs session closely, repeats itself bit for bit, resumes bit-identically
 * mid-curriculum, and leaks no tensor.
 */

/** A curriculum that moves every other step and the entropy bonus exercise every part of the state. */
const config = compileNramConfig({
  ...NRAM_DEFAULTS,
  memorySize: 9,
  registers: 3,
  timesteps: 4,
  hiddenSize: 8,
  batchSize: 6,
  maxListLength: 3,
  curriculumThreshold: 1,
  curriculumWindow: 2,
  entropyBonus: 0.1,
  stopBias: -1,
  keepBias: 1,
  evalExamples: 30,
});

/** The trainer's default optimizer as a run gets it: Adam at 0.01, clip 10, η = 0.01. */
function adam(seed: number): NoisyOptimizer {
  return noisyAdam(seed, 0.01, 0.01);
}

/** The addon's functions, counting the passes it runs with and without gradients. */
function counting(kernels: NramKernels): NramKernels & { steps: number; forwards: number } {
  const counted = {
    steps: 0,
    forwards: 0,
    nramWorkspaceLength: kernels.nramWorkspaceLength.bind(kernels),
    nramRun: (...args: Parameters<NramKernels['nramRun']>) => {
      if (args[5].length === 0) counted.forwards += 1;
      else counted.steps += 1;
      return kernels.nramRun(...args);
    },
  };
  return counted;
}

function session(optimizer: NoisyOptimizer, kernels: NramKernels | null): NramSession {
  const s = new NramSession(config, {
    streams: streamsOf(11),
    optimizer,
    backend: kernels === null ? 'wasm' : 'native',
    dataRoots: ANY_DATA_DIR,
    ...(kernels === null ? {} : { nramKernels: kernels }),
  });
  optimizer.keyNoiseByName(s.parameterNames());
  return s;
}

function train(s: NramSession, from: number, to: number): Record<string, number>[] {
  return Array.from({ length: to - from }, (_, i) => readMetrics(s.trainStep(from + i)));
}

/** Metrics, weights, an evaluation and the curriculum of `steps` steps from scratch. */
async function run(kernels: NramKernels | null, steps: number) {
  const optimizer = adam(11);
  const s = session(optimizer, kernels);
  const metrics = train(s, 0, steps);
  const evaluation = await s.evaluate(steps);
  const result = { metrics, weights: exportedWeights(s.exportState()), evaluation, curriculum: s.curriculum };
  s.dispose();
  optimizer.dispose();
  return result;
}

describeNative('the nram session on native', () => {
  const nativeOf = useNativeBackend();

  it('steps through the addon, follows the tfjs session closely and repeats itself to the bit', async () => {
    const kernels = counting(nativeOf());
    const first = await run(kernels, 8);
    expect(kernels.steps).toBe(8);
    expect(kernels.forwards).toBe(1);
    expect(await run(nativeOf(), 8)).toEqual(first);
    const tfjs = await run(null, 8);
    first.metrics.forEach((m, i) => {
      const want = tfjs.metrics[i] as Record<string, number>;
      expect(
        Math.abs((m.loss as number) - (want.loss as number)) / Math.abs(want.loss as number),
        `step ${i}`,
      ).toBeLessThan(1e-4);
      expect(m.train_accuracy, `step ${i}`).toBe(want.train_accuracy);
    });
    for (const [name, want] of tfjs.weights) {
      const got = first.weights.get(name) as Float32Array;
      const diff = Math.max(...got.map((v, i) => Math.abs(v - (want[i] as number))));
      expect(diff, name).toBeLessThan(1e-4);
    }
    expect(first.curriculum).toEqual(tfjs.curriculum);
    expect(first.evaluation.test_accuracy).toBe(tfjs.evaluation.test_accuracy);
    expect(Math.abs((first.evaluation.test_loss ?? 0) - (tfjs.evaluation.test_loss ?? 1))).toBeLessThan(1e-4);
  });

  it('resumes mid-curriculum bit-identically', async () => {
    const total = 9;
    const cut = 4;
    const straight = await run(nativeOf(), total);
    const resumed = resumeMidRun(
      adam,
      (o) => session(o, nativeOf()),
      train,
      cut,
      total,
      (before) => {
        expect(before.curriculum.length).toBeGreaterThan(1); // the cut is mid-curriculum
      },
    );
    expect(resumed.metrics).toEqual(straight.metrics);
    expect(resumed.session.curriculum).toEqual(straight.curriculum);
    expect(exportedWeights(resumed.session.exportState())).toEqual(straight.weights);
    resumed.session.dispose();
    resumed.optimizer.dispose();
  });

  it('leaks no tensor across steps, evaluation and dispose', async () => {
    const start = tf.memory().numTensors;
    const optimizer = adam(11);
    const s = session(optimizer, nativeOf());
    train(s, 0, 1); // the optimizer creates its slots on the first step
    const settled = tf.memory().numTensors;
    train(s, 1, 4);
    await s.evaluate(4);
    await s.trainStepAsync(4);
    expect(tf.memory().numTensors).toBe(settled);
    s.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
