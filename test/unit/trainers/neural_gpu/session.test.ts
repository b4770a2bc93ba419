import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
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
  neuralGpuTrainer,
} from '../../../../src/trainers/neural_gpu/index.js';
import type { MetricValue, TrainerState } from '../../../../src/trainers/types.js';
import { streamsOf } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Small enough for the cpu backend; dropout and a fast curriculum exercise every random stream. */
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
  testLengths: [3, 5],
  evalExamples: 16,
});

function noisyAdam(seed: number): NoisyOptimizer {
  return createNoisyOptimizer(createInnerOptimizer({ kind: 'adam', learningRate: 1e-3, epsilon: 1e-4 }), {
    eta: 1.0,
    gamma: 0.55,
    seed,
    clip: { byGlobalNorm: 1.0 },
  });
}

const open: { dispose(): void }[] = [];
function track<T extends { dispose(): void }>(resource: T): T {
  open.push(resource);
  return resource;
}
afterEach(() => {
  for (const resource of open.splice(0)) resource.dispose();
});

function session(seed: number, optimizer: NoisyOptimizer, config = tiny): NeuralGpuSession {
  return track(
    new NeuralGpuSession(config, {
      streams: streamsOf(seed),
      optimizer,
      backend: tf.getBackend(),
      dataRoots: ANY_DATA_DIR,
    }),
  );
}

/** Runs steps [from, to) and returns the losses, disposing the returned tensors like the runtime. */
function train(s: NeuralGpuSession, from: number, to: number): number[] {
  const losses: number[] = [];
  for (let step = from; step < to; step += 1) {
    const metrics = s.trainStep(step);
    losses.push(read(metrics.loss));
    for (const value of Object.values(metrics)) if (typeof value !== 'number') value.dispose();
  }
  return losses;
}

function read(value: MetricValue | undefined): number {
  if (value === undefined) throw new Error('missing metric');
  return typeof value === 'number' ? value : (value.dataSync()[0] ?? Number.NaN);
}

/** Reads an exported state's weights and disposes its tensors, which the export handed to us. */
function weights(state: TrainerState): Record<string, number[]> {
  const out = Object.fromEntries(
    state.tensors.map(({ name, tensor }) => [name, Array.from(tensor.dataSync())]),
  );
  tf.dispose(state.tensors.map(({ tensor }) => tensor));
  return out;
}

describe('NeuralGpuSession', () => {
  it('creates a session through the trainer definition and reports per-step metrics', async () => {
    const optimizer = track(noisyAdam(1));
    const s = track(
      await neuralGpuTrainer.create(tiny, {
        streams: streamsOf(1),
        optimizer,
        backend: 'cpu',
        dataRoots: ANY_DATA_DIR,
      }),
    );
    const metrics = s.trainStep(0);
    expect(Object.keys(metrics).sort()).toEqual([
      'curriculum_length',
      'loss',
      'train_bit_error',
      'train_length',
      'train_seq_error',
    ]);
    // Two output classes, random init: the cross-entropy starts near ln 2.
    expect(read(metrics.loss)).toBeGreaterThan(0.3);
    expect(read(metrics.loss)).toBeLessThan(1.5);
    expect(read(metrics.train_length)).toBeGreaterThanOrEqual(1);
    expect(read(metrics.train_length)).toBeLessThanOrEqual(2);
    // The frontier after this step's curriculum update: the value evaluate reports at the same step.
    expect(read(metrics.curriculum_length)).toBe((await s.evaluate(1)).curriculum_length);
    for (const value of Object.values(metrics)) if (typeof value !== 'number') value.dispose();
  });

  it('evaluates at longer lengths than it trains on and reports per-length metrics', async () => {
    const s = session(2, track(noisyAdam(2)));
    train(s, 0, 2);
    const metrics = await s.evaluate(2);
    expect(Object.keys(metrics).sort()).toEqual([
      'curriculum_length',
      'test_bit_error_len3',
      'test_bit_error_len5',
      'test_seq_error_len3',
      'test_seq_error_len5',
    ]);
    for (const name of ['test_bit_error_len5', 'test_seq_error_len5', 'test_bit_error_len3']) {
      expect(metrics[name]).toBeGreaterThanOrEqual(0);
      expect(metrics[name]).toBeLessThanOrEqual(1);
    }
    // An untrained model gets long sums wrong: every example has 6 result digits at length 5.
    expect(metrics.test_seq_error_len5).toBeGreaterThan(0.5);
    expect(metrics.test_bit_error_len5).toBeLessThanOrEqual(metrics.test_seq_error_len5 ?? 0);
    // The held-out set is fixed per length, so evaluating twice gives the same numbers.
    expect(await s.evaluate(2)).toEqual(metrics);
  });

  it('leaks no tensor across steps, evaluation, export/import and dispose', async () => {
    const start = tf.memory().numTensors;
    const optimizer = noisyAdam(3);
    const s = new NeuralGpuSession(tiny, {
      streams: streamsOf(3),
      optimizer,
      backend: 'cpu',
      dataRoots: ANY_DATA_DIR,
    });
    train(s, 0, 1); // the optimizer creates its slots on the first step
    const settled = tf.memory().numTensors;
    train(s, 1, 4);
    await s.evaluate(4);
    expect(tf.memory().numTensors).toBe(settled);
    // Each export hands the caller new tensors; the session keeps none of them.
    const [first, second] = [s.exportState(), s.exportState()];
    const exported = tiny.layers * 6 + 3;
    expect(first.tensors).toHaveLength(exported);
    expect(tf.memory().numTensors).toBe(settled + 2 * exported);
    s.importState(first);
    tf.dispose([...first.tensors, ...second.tensors].map(({ tensor }) => tensor));
    expect(tf.memory().numTensors).toBe(settled);
    train(s, 4, 5); // the imported weights outlive the caller's tensors
    s.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('is a pure function of the seed: same seed, same weights; other seed, other weights', () => {
    const run = (seed: number) => {
      const s = session(seed, track(noisyAdam(seed)));
      train(s, 0, 3);
      return weights(s.exportState());
    };
    expect(run(4)).toEqual(run(4));
    expect(run(4)).not.toEqual(run(5));
  });

  it('resumes mid-curriculum bit-identically (weights, curriculum, optimizer and noise state)', () => {
    const total = 8;
    const cut = 4;
    const uninterrupted = session(6, track(noisyAdam(6)));
    const expectedLosses = train(uninterrupted, 0, total);

    const firstOptimizer = noisyAdam(6);
    const first = new NeuralGpuSession(tiny, {
      streams: streamsOf(6),
      optimizer: firstOptimizer,
      backend: 'cpu',
      dataRoots: ANY_DATA_DIR,
    });
    const lossesBefore = train(first, 0, cut);
    const state = first.exportState();
    const optimizerState = firstOptimizer.exportState();
    // A JSON round trip, as a checkpoint store would do with the meta.
    const meta = JSON.parse(JSON.stringify(state.meta)) as Record<string, unknown>;
    const curriculum = meta.curriculum as { length: number };
    expect(curriculum.length).toBeGreaterThan(tiny.curriculumStart);
    expect(curriculum.length).toBeLessThanOrEqual(tiny.maxTrainLength);

    const resumedOptimizer = track(noisyAdam(999)); // the imported state's seed replaces this one
    const resumed = session(6, resumedOptimizer);
    resumed.importState({ tensors: state.tensors, meta });
    resumedOptimizer.importState(optimizerState);
    tf.dispose([...state.tensors, ...optimizerState.inner].map((t) => t.tensor));
    first.dispose();
    firstOptimizer.dispose();

    const lossesAfter = train(resumed, cut, total);
    expect([...lossesBefore, ...lossesAfter]).toEqual(expectedLosses);
    expect(resumed.curriculum).toEqual(uninterrupted.curriculum);
    expect(weights(resumed.exportState())).toEqual(weights(uninterrupted.exportState()));
  });

  it('rejects a checkpoint of another shape or with a corrupt meta, leaving the session intact', () => {
    const s = session(7, track(noisyAdam(7)));
    const other = session(7, track(noisyAdam(7)), { ...tiny, maps: 4 });
    const before = weights(s.exportState());
    const foreign = other.exportState();
    expect(() => s.importState(foreign)).toThrow(
      /tensor embedding has shape \[5,4\]; the model needs \[5,6\]/,
    );
    weights(foreign);
    const good = s.exportState();
    expect(() => s.importState({ tensors: good.tensors, meta: { format: 2 } })).toThrow(/unknown format/);
    expect(() =>
      s.importState({ tensors: good.tensors, meta: { format: 1, curriculum: { length: 0 } } }),
    ).toThrow(/invalid curriculum state/);
    weights(good);
    expect(weights(s.exportState())).toEqual(before);
  });
});

describe('NeuralGpuSession.isSolved (done, paper §4.5)', () => {
  /** After one step and an evaluation, whether a session of `config` says it is solved. */
  async function solvedAfterEvaluation(config: NeuralGpuConfig): Promise<boolean> {
    const s = session(5, track(noisyAdam(5)), compileNeuralGpuConfig(config));
    train(s, 0, 1);
    expect(s.isSolved()).toBe(false);
    await s.evaluate(1);
    return s.isSolved();
  }
  const atMax = { ...tiny, curriculumStart: tiny.maxTrainLength };

  it('is solved once the curriculum is at its longest and every test length is within the bound', async () => {
    expect(await solvedAfterEvaluation({ ...atMax, solvedSeqError: 1 })).toBe(true);
  });

  it('is not solved without a bound, before the curriculum ends, or above the bound', async () => {
    expect(await solvedAfterEvaluation(atMax)).toBe(false);
    expect(await solvedAfterEvaluation({ ...tiny, solvedSeqError: 1 })).toBe(false);
    // An untrained model gets some 3- and 5-digit sums wrong.
    expect(await solvedAfterEvaluation({ ...atMax, solvedSeqError: 0 })).toBe(false);
  });
});
