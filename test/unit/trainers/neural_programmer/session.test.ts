import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/backend/index.js';
import { decodeCheckpoint } from '../../../../src/checkpoint/index.js';
import { ANY_DATA_DIR } from '../../../../src/data/index.js';
import {
  createInnerOptimizer,
  createNoisyOptimizer,
  type NoisyOptimizer,
} from '../../../../src/optim/index.js';
import { compileRunSpec, type RunRequest } from '../../../../src/runs/compile-spec.js';
import type { FromWorker } from '../../../../src/runs/worker/protocol.js';
import {
  correctAnswers,
  NEURAL_PROGRAMMER_DEFAULTS,
  type NeuralProgrammerConfig,
  NeuralProgrammerSession,
  neuralProgrammerTrainer,
} from '../../../../src/trainers/neural_programmer/index.js';
import { postedCheckpoints, postedPoints, runInProcess } from '../../../helpers/run-job.js';
import { context, exportedWeights, readMetrics } from '../helpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** Every template, a text column and dropout: every operation and random stream is exercised. */
const tiny = {
  columns: 3,
  textColumn: true,
  rows: 9,
  hiddenSize: 8,
  datasetSize: 40,
  evalSize: 30,
  batchSize: 8,
  dropout: 0.2,
} as const;
const config: NeuralProgrammerConfig = neuralProgrammerTrainer.compile({
  ...NEURAL_PROGRAMMER_DEFAULTS,
  ...tiny,
});

/** Training steps (learning rate 0.05) before the hard/soft comparison: the argmax one-step program then picks sum or count. */
const TRAINED_STEPS = 20;

function adam(seed: number, learningRate = 1e-3): NoisyOptimizer {
  return createNoisyOptimizer(createInnerOptimizer({ kind: 'adam', learningRate }), {
    eta: 1,
    gamma: 0.55,
    seed,
    clip: { byGlobalNorm: 1 },
  });
}

function session(seed: number, optimizer: NoisyOptimizer) {
  return new NeuralProgrammerSession(config, context(seed, optimizer));
}

describe('NeuralProgrammerSession', () => {
  it('is a pure function of the seed, and leaks no tensor across steps, evaluation and export', async () => {
    const start = tf.memory().numTensors;
    const runs = [1, 1, 2].map((seed) => {
      const optimizer = adam(seed);
      const s = session(seed, optimizer);
      return { s, optimizer, losses: [0, 1, 2, 3, 4, 5].map((k) => readMetrics(s.trainStep(k)).loss) };
    });
    const [a, b, c] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
    expect(a.losses).toEqual(b.losses);
    expect(a.losses).not.toEqual(c.losses);
    expect(a.losses.every(Number.isFinite)).toBe(true);
    expect(await a.s.evaluate(6)).toEqual(await b.s.evaluate(6));
    expect(exportedWeights(a.s.exportState())).toEqual(exportedWeights(b.s.exportState()));
    for (const { s, optimizer } of runs) {
      s.dispose();
      optimizer.dispose();
    }
    expect(tf.memory().numTensors).toBe(start);
  });

  it('reads each training question once per epoch, in an order drawn per epoch', () => {
    const optimizer = adam(3);
    const s = session(3, optimizer);
    const epoch = (e: number) => [0, 1, 2, 3, 4].flatMap((k) => s.batchAt(5 * e + k));
    expect(new Set(epoch(0)).size).toBe(40);
    expect(new Set(epoch(1))).toEqual(new Set(epoch(0)));
    expect(epoch(1)).not.toEqual(epoch(0));
    s.dispose();
    optimizer.dispose();
  });

  it('evaluates the hard (argmax) program: exact integer answers, and the accuracy is its', async () => {
    // One step, sum or count: an untrained hard program answers right where it picks the right
    // operation; a soft one mixes all operations and answers next to none.
    const oneStep = neuralProgrammerTrainer.compile({
      ...config,
      columns: 1,
      textColumn: false,
      templates: 'sum_count',
      steps: 1,
    });
    const optimizer = adam(4, 0.05);
    const s = new NeuralProgrammerSession(oneStep, context(4, optimizer));
    const { test, validation } = s.splits;
    // A few steps, so the argmax program is right on some questions whatever the initial weights.
    for (let k = 0; k < TRAINED_STEPS; k += 1) readMetrics(s.trainStep(k));
    const hard = s.predict(test, 'hard');
    for (const { scalar, lookup, program } of hard) {
      for (const v of scalar) expect(Number.isInteger(v)).toBe(true);
      for (const v of lookup) expect(v === 0 || v === 1).toBe(true);
      for (const op of program) expect(op >= 0 && op < 9).toBe(true);
    }
    const soft = s.predict(test, 'soft');
    expect(soft.some(({ scalar }) => scalar.some((v) => !Number.isInteger(v)))).toBe(true);
    const metrics = await s.evaluate(0);
    const byHand = hard.flatMap((p) => correctAnswers(p, p.batch));
    expect(metrics.test_accuracy).toBe(byHand.filter(Boolean).length / test.length);
    expect(metrics.test_accuracy).toBeGreaterThan(s.accuracy(test, 'soft'));
    expect(metrics.validation_accuracy).toBe(s.accuracy(validation, 'hard'));
    s.dispose();
    optimizer.dispose();
  });

  it('tests on values in twice the training range', () => {
    const optimizer = adam(4);
    const s = session(4, optimizer);
    const max = (examples: typeof s.splits.test) =>
      Math.max(
        ...examples
          .flatMap((e) => e.table.columns.flatMap((c) => (c.kind === 'number' ? c.values : [])))
          .map(Math.abs),
      );
    expect(max(s.splits.train)).toBeLessThanOrEqual(100);
    expect(max(s.splits.test)).toBeGreaterThan(100);
    expect(max(s.splits.test)).toBeLessThanOrEqual(200);
    s.dispose();
    optimizer.dispose();
  });

  it('refuses a checkpoint of another shape, naming the tensor, and keeps its weights', () => {
    const optimizer = adam(5);
    const s = session(5, optimizer);
    const state = s.exportState();
    const before = exportedWeights(s.exportState());
    const bad = {
      ...state,
      tensors: state.tensors.map((t, i) => (i === 0 ? { ...t, tensor: tf.zeros([2]) } : t)),
    };
    expect(() => s.importState(bad)).toThrow(/tensor embedding has shape \[2\]/);
    expect(exportedWeights(s.exportState())).toEqual(before);
    tf.dispose([...state.tensors.map((t) => t.tensor), ...bad.tensors.map((t) => t.tensor)]);
    s.dispose();
    optimizer.dispose();
  });
});

describe('neural_programmer through the worker loop', () => {
  const request: RunRequest = {
    trainer: 'neural_programmer',
    trainerConfig: tiny,
    seed: 11,
    maxSteps: 12,
    evalEvery: 6,
    checkpointEvery: 6,
  };

  const run = async (checkpoint: Uint8Array | null): Promise<FromWorker[]> =>
    (await runInProcess(compileRunSpec(request, ANY_DATA_DIR), { checkpoint, runId: 'np' })).messages;
  const checkpoints = postedCheckpoints;
  const pointsAfter6 = (messages: FromWorker[]) =>
    postedPoints(messages)
      .filter((p) => p.step > 6)
      .map((p) => [p.step, p.name, p.value]);
  const weights = (bytes: Uint8Array) =>
    decodeCheckpoint(bytes).model.map((t) => ({ name: t.name, bytes: Buffer.from(t.values.buffer) }));

  it('resumes from a checkpoint bit for bit, with Adam, clipping and noise (the paper defaults)', async () => {
    const straight = await run(null);
    expect(straight.at(-1)).toMatchObject({
      type: 'finished',
      leakedTensors: 0,
      outcome: { status: 'COMPLETED' },
    });
    const atSix = checkpoints(straight).find((c) => c.step === 6)?.bytes ?? new Uint8Array();
    const resumed = await run(atSix);
    const final = (messages: FromWorker[]) => checkpoints(messages).at(-1)?.bytes ?? new Uint8Array();
    expect(weights(final(resumed))).toEqual(weights(final(straight)));
    expect(pointsAfter6(resumed)).toEqual(pointsAfter6(straight));
    const names = new Set(pointsAfter6(straight).map((p) => p[1]));
    for (const name of ['loss', 'noise_std', 'test_accuracy', 'validation_accuracy', 'train_accuracy']) {
      expect(names).toContain(name);
    }
    const spec = decodeCheckpoint(final(straight)).spec;
    expect(spec.optimizer).toMatchObject({ kind: 'adam' });
    expect(spec.noise.eta).toBe(1);
  }, 120_000);
});
