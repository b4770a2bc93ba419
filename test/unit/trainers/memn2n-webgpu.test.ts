import * as tf from '@tensorflow/tfjs';
import { afterAll, expect, it } from 'vitest';
import { type BackendPreference, selectBackend } from '../../../src/backend/index.js';
import { generatedBabiSplit } from '../../../src/data/babi/index.js';
import { createInnerOptimizer, createNoisyOptimizer } from '../../../src/optim/index.js';
import { encodeTask, MemN2NSession, memn2nTrainer } from '../../../src/trainers/memn2n/index.js';
import { describeWebGpu } from '../../helpers/webgpu.js';
import { context } from './helpers.js';

/**
 * The memn2n trainer on `webgpu` (lavapipe here): linear start scores the validation split at
 * each epoch's end inside the step, a read that webgpu in Node can only await (`trainStepAsync`),
 * and evaluation awaits its reads too. Against the same run on `wasm`.
 */

const FULL = encodeTask(generatedBabiSplit(1), 50);
/** A slice of task 1: lavapipe runs every kernel on the CPU. */
const TASK = {
  ...FULL,
  train: FULL.train.slice(0, 64),
  validation: FULL.validation.slice(0, 32),
  test: FULL.test.slice(0, 32),
};
/** Two steps per epoch, so linear start's first epoch ends (and, after 1 epoch, switches) at step 2. */
const config = memn2nTrainer.compile({
  ...memn2nTrainer.defaults,
  batchSize: Math.ceil(TASK.train.length / 2),
  linearStart: true,
  linearStartEpochs: 1,
});
const STEPS = 4;

interface Trained {
  readonly losses: number[];
  readonly phases: string[];
  readonly evaluation: Record<string, number>;
}

async function run(backend: BackendPreference): Promise<Trained> {
  await selectBackend(backend);
  const optimizer = createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate: 0.01 }), {
    eta: 0.001,
    seed: 3,
    generator: 'philox',
    clip: { byGlobalNorm: 40 },
  });
  const s = new MemN2NSession(config, TASK, context(3, optimizer));
  optimizer.keyNoiseByName(s.parameterNames());
  const losses: number[] = [];
  const phases: string[] = [];
  for (let step = 0; step < STEPS; step++) {
    const { loss } = await s.trainStepAsync(step);
    await optimizer.settle();
    losses.push(typeof loss === 'number' ? loss : ((await loss?.data())?.[0] ?? Number.NaN));
    if (typeof loss !== 'number') loss?.dispose();
    phases.push(s.phase);
  }
  const evaluation = await s.evaluate(STEPS);
  s.dispose();
  optimizer.dispose();
  return { losses, phases, evaluation };
}

describeWebGpu('the memn2n trainer on webgpu', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('trains through linear start as on wasm, within float32 tolerance', async () => {
    const start = tf.memory().numTensors;
    const wasm = await run('wasm');
    const afterWasm = tf.memory().numTensors;
    const webgpu = await run('webgpu');
    // A disposed session leaves no tensor behind, on either backend.
    expect(afterWasm).toBe(start);
    expect(tf.memory().numTensors).toBe(start);
    expect(wasm.phases).toEqual(['linear_start', 'default', 'default', 'default']);
    expect(webgpu.phases).toEqual(wasm.phases);
    for (const [i, loss] of wasm.losses.entries()) {
      expect(Math.abs((webgpu.losses[i] ?? Number.NaN) - loss), `loss ${i}`).toBeLessThanOrEqual(1e-4 * loss);
    }
    for (const [name, value] of Object.entries(wasm.evaluation)) {
      // Error rates over 32 or 64 questions: an argmax at a near-tie may flip one answer.
      expect(Math.abs((webgpu.evaluation[name] ?? Number.NaN) - value), name).toBeLessThanOrEqual(1 / 32);
    }
  });

  it('has no synchronous score there', async () => {
    await selectBackend('webgpu');
    const optimizer = createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate: 0.01 }), {
      seed: 1,
      eta: 0,
    });
    const s = new MemN2NSession(config, TASK, context(1, optimizer));
    expect(() => s.score(TASK.validation)).toThrow(/memn2n: score reads synchronously.*webgpu.*scoreAsync/);
    s.dispose();
    optimizer.dispose();
  });
});
