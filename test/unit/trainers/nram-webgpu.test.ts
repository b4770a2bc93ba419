import * as tf from '@tensorflow/tfjs';
import { afterAll, expect, it } from 'vitest';
import { type BackendPreference, selectBackend } from '../../../src/backend/index.js';
import { createInnerOptimizer, createNoisyOptimizer } from '../../../src/optim/index.js';
import { compileNramConfig, NRAM_DEFAULTS, NramSession } from '../../../src/trainers/nram/index.js';
import { describeWebGpu } from '../../helpers/webgpu.js';
import { context } from './helpers.js';

/**
 * The nram trainer on `webgpu` (lavapipe here): its curriculum reads each batch's answers, which
 * webgpu in Node can only await (`trainStepAsync`), and it sums one term per timestep, more than
 * one AddN kernel binds there (`addMany`). Against the same run on `wasm`.
 */

/** Ten timesteps: the sums over them need more than one AddN on webgpu. */
const config = compileNramConfig({
  ...NRAM_DEFAULTS,
  memorySize: 9,
  registers: 2,
  timesteps: 10,
  hiddenSize: 8,
  batchSize: 6,
  maxListLength: 3,
  curriculumThreshold: 1,
  curriculumWindow: 1,
  entropyBonus: 0.1,
  evalExamples: 10,
});
const STEPS = 3;

interface Trained {
  readonly losses: number[];
  readonly lengths: number[];
  readonly evaluation: Record<string, number>;
}

async function run(backend: BackendPreference): Promise<Trained> {
  await selectBackend(backend);
  const optimizer = createNoisyOptimizer(createInnerOptimizer({ kind: 'adam', learningRate: 0.01 }), {
    eta: 0.01,
    seed: 6,
    generator: 'philox',
    clip: { byGlobalNorm: 10 },
  });
  const s = new NramSession(config, context(6, optimizer));
  optimizer.keyNoiseByName(s.parameterNames());
  const losses: number[] = [];
  const lengths: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const { loss } = await s.trainStepAsync(step);
    await optimizer.settle();
    losses.push(typeof loss === 'number' ? loss : ((await loss?.data())?.[0] ?? Number.NaN));
    if (loss !== undefined && typeof loss !== 'number') loss.dispose();
    lengths.push(s.curriculum.length);
  }
  const evaluation = await s.evaluate(STEPS);
  s.dispose();
  optimizer.dispose();
  return { losses, lengths, evaluation };
}

describeWebGpu('the nram trainer on webgpu', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('trains and evaluates as on wasm, within float32 tolerance', async () => {
    const wasm = await run('wasm');
    const start = tf.memory().numTensors;
    const webgpu = await run('webgpu');
    expect(tf.memory().numTensors).toBe(start);
    expect(webgpu.lengths).toEqual(wasm.lengths);
    for (const [i, loss] of wasm.losses.entries()) {
      expect(Math.abs((webgpu.losses[i] ?? Number.NaN) - loss), `loss ${i}`).toBeLessThanOrEqual(
        1e-4 * (1 + loss),
      );
    }
    expect(
      Math.abs((webgpu.evaluation.test_loss ?? Number.NaN) - (wasm.evaluation.test_loss ?? 0)),
    ).toBeLessThanOrEqual(1e-4 * (1 + (wasm.evaluation.test_loss ?? 0)));
    // Accuracy over 10 lists: an argmax at a near-tie may flip one answer.
    expect(
      Math.abs((webgpu.evaluation.test_accuracy ?? Number.NaN) - (wasm.evaluation.test_accuracy ?? 0)),
    ).toBeLessThanOrEqual(0.1);
  });

  it('has no synchronous step or test-set read there', async () => {
    await selectBackend('webgpu');
    const optimizer = createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate: 0.01 }), {
      seed: 1,
      eta: 0,
    });
    const s = new NramSession(config, context(1, optimizer));
    expect(() => s.trainStep(0)).toThrow(/reads the batch's answers synchronously.*webgpu.*trainStepAsync/);
    expect(() => s.evaluateTestSet()).toThrow(/evaluateTestSet reads synchronously.*evaluateTestSetAsync/);
    s.dispose();
    optimizer.dispose();
  });
});
