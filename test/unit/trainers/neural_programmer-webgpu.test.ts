import * as tf from '@tensorflow/tfjs';
import { afterAll, expect, it } from 'vitest';
import { type BackendPreference, selectBackend } from '../../../src/backend/index.js';
import { createInnerOptimizer, createNoisyOptimizer } from '../../../src/optim/index.js';
import {
  NEURAL_PROGRAMMER_DEFAULTS,
  NeuralProgrammerSession,
  neuralProgrammerTrainer,
} from '../../../src/trainers/neural_programmer/index.js';
import { describeWebGpu } from '../../helpers/webgpu.js';
import { context } from './helpers.js';

/**
 * The neural_programmer trainer on `webgpu` (lavapipe here): its evaluation reads the chosen
 * programs' answers with `await data()` (`predictAsync`), since webgpu in Node has no synchronous
 * read. Against the same run on `wasm`.
 */

const config = neuralProgrammerTrainer.compile({
  ...NEURAL_PROGRAMMER_DEFAULTS,
  columns: 3,
  textColumn: true,
  rows: 9,
  hiddenSize: 8,
  datasetSize: 40,
  evalSize: 30,
  batchSize: 8,
  dropout: 0.2,
});
const STEPS = 3;

async function run(
  backend: BackendPreference,
): Promise<{ losses: number[]; evaluation: Record<string, number> }> {
  await selectBackend(backend);
  const optimizer = createNoisyOptimizer(createInnerOptimizer({ kind: 'adam', learningRate: 0.05 }), {
    eta: 0.01,
    seed: 4,
    generator: 'philox',
    clip: { byGlobalNorm: 1 },
  });
  const s = new NeuralProgrammerSession(config, context(4, optimizer));
  optimizer.keyNoiseByName(s.parameterNames());
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const { loss } = s.trainStep(step);
    await optimizer.settle();
    losses.push(typeof loss === 'number' ? loss : ((await loss?.data())?.[0] ?? Number.NaN));
    if (loss !== undefined && typeof loss !== 'number') loss.dispose();
  }
  const evaluation = await s.evaluate(STEPS);
  s.dispose();
  optimizer.dispose();
  return { losses, evaluation };
}

describeWebGpu('the neural_programmer trainer on webgpu', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('trains and evaluates as on wasm, within float32 tolerance', async () => {
    const wasm = await run('wasm');
    const start = tf.memory().numTensors;
    const webgpu = await run('webgpu');
    expect(tf.memory().numTensors).toBe(start);
    for (const [i, loss] of wasm.losses.entries()) {
      expect(Math.abs((webgpu.losses[i] ?? Number.NaN) - loss), `loss ${i}`).toBeLessThanOrEqual(
        1e-4 * (1 + loss),
      );
    }
    expect(Object.keys(webgpu.evaluation).sort()).toEqual(Object.keys(wasm.evaluation).sort());
    for (const [name, value] of Object.entries(wasm.evaluation)) {
      // Accuracies over 30 or fewer questions: an argmax at a near-tie may flip one answer.
      expect(Math.abs((webgpu.evaluation[name] ?? Number.NaN) - value), name).toBeLessThanOrEqual(1 / 8);
    }
  });

  it('has no synchronous prediction there', async () => {
    await selectBackend('webgpu');
    const optimizer = createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate: 0.01 }), {
      seed: 1,
      eta: 0,
    });
    const s = new NeuralProgrammerSession(config, context(1, optimizer));
    expect(() => s.accuracy(s.splits.test)).toThrow(/predict reads synchronously.*webgpu.*predictAsync/);
    s.dispose();
    optimizer.dispose();
  });
});
