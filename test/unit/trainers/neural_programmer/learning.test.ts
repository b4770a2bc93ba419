import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/backend/index.js';
import { createInnerOptimizer, createNoisyOptimizer } from '../../../../src/optim/index.js';
import {
  NEURAL_PROGRAMMER_DEFAULTS,
  type NeuralProgrammerConfig,
  NeuralProgrammerSession,
  neuralProgrammerTrainer,
} from '../../../../src/trainers/neural_programmer/index.js';
import { context, readMetric } from '../helpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** One numeric column, "sum of alpha" / "how many rows" questions, a one-step program. */
const sumCount: NeuralProgrammerConfig = neuralProgrammerTrainer.compile({
  ...NEURAL_PROGRAMMER_DEFAULTS,
  columns: 1,
  rows: 6,
  templates: 'sum_count',
  hiddenSize: 16,
  steps: 1,
  datasetSize: 200,
  evalSize: 100,
  batchSize: 10,
  solvedAccuracy: 1,
});

/**
 * Three numeric columns, questions filtered by "greater/less than N" (or not) then sum, count or
 * print: a two-step program (filter, then aggregate) whose columns the question names.
 */
const filtered: NeuralProgrammerConfig = neuralProgrammerTrainer.compile({
  ...NEURAL_PROGRAMMER_DEFAULTS,
  columns: 3,
  rows: 10,
  templates: 'filtered',
  hiddenSize: 32,
  datasetSize: 1000,
  evalSize: 200,
  batchSize: 20,
  solvedAccuracy: 0.95,
});

/** Steps the filtered task may take. */
const STEPS = 2000;

describe('the neural_programmer learns', () => {
  it('a one-column sum/count task to 100 % hard-program test accuracy, with noise', async () => {
    const optimizer = createNoisyOptimizer(createInnerOptimizer({ kind: 'adam', learningRate: 0.05 }), {
      eta: 1,
      gamma: 0.55,
      seed: 1,
      clip: { byGlobalNorm: 1 },
    });
    const session = new NeuralProgrammerSession(sumCount, context(1, optimizer));
    // Untrained, the argmax program picks one operation for every question: about half are right.
    expect((await session.evaluate(0)).test_accuracy).toBeLessThan(0.6);
    expect(session.isSolved()).toBe(false);
    let metrics: Record<string, number> = {};
    const losses: number[] = [];
    for (let step = 0; step < 200 && metrics.test_accuracy !== 1; step += 1) {
      losses.push(readMetric(session.trainStep(step).loss));
      if (step % 10 === 9) metrics = await session.evaluate(step + 1);
    }
    expect(metrics).toEqual({ train_accuracy: 1, validation_accuracy: 1, test_accuracy: 1 });
    expect(session.isSolved()).toBe(true);
    expect(losses.at(-1)).toBeLessThan((losses[0] as number) / 10);
    session.dispose();
    optimizer.dispose();
  }, 60_000);

  it('filtered three-column questions (filter, then aggregate) past 95 % test accuracy, no noise', async () => {
    const optimizer = createNoisyOptimizer(createInnerOptimizer({ kind: 'adam', learningRate: 1e-3 }), {
      eta: 0,
      gamma: 0.55,
      seed: 1,
      clip: { byGlobalNorm: 1 },
    });
    const session = new NeuralProgrammerSession(filtered, context(1, optimizer));
    // Unfiltered questions are a third of the set; untrained, even those are mostly wrong.
    expect((await session.evaluate(0)).test_accuracy).toBeLessThan(0.5);
    let metrics: Record<string, number> = {};
    for (let step = 0; step < STEPS && !session.isSolved(); step += 1) {
      readMetric(session.trainStep(step).loss);
      if (step % 100 === 99) metrics = await session.evaluate(step + 1);
    }
    expect(metrics.test_accuracy).toBeGreaterThanOrEqual(0.95);
    expect(metrics.train_accuracy).toBeGreaterThanOrEqual(0.95);
    session.dispose();
    optimizer.dispose();
  }, 90_000);
});
