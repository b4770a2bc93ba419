import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ANY_DATA_DIR } from '../../../../src/data/index.js';
import type { NoisyOptimizer } from '../../../../src/optim/index.js';
import {
  circuitLayout,
  compileNramConfig,
  controllerOutputs,
  NRAM_DEFAULTS,
  type NramConfig,
  NramMachine,
  NramSession,
  nramTrainer,
} from '../../../../src/trainers/nram/index.js';
import { exportedWeights, noisyAdam, readMetrics, streamsOf } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Small enough for the cpu backend; a curriculum that moves every step exercises its state. */
const tiny: NramConfig = compileNramConfig({
  ...NRAM_DEFAULTS,
  memorySize: 9,
  registers: 2,
  timesteps: 3,
  hiddenSize: 8,
  batchSize: 6,
  maxListLength: 3,
  curriculumThreshold: 1,
  curriculumWindow: 2,
  entropyBonus: 0.1,
  evalExamples: 10,
});

/** The trainer's default optimizer as a run gets it: Adam at 0.01, clip 10, η = 0.01. */
function adam(seed: number): NoisyOptimizer {
  return noisyAdam(seed, 0.01, 0.01);
}

const open: { dispose(): void }[] = [];
function track<T extends { dispose(): void }>(resource: T): T {
  open.push(resource);
  return resource;
}
afterEach(() => {
  for (const resource of open.splice(0)) resource.dispose();
});

function session(seed: number, optimizer: NoisyOptimizer, config = tiny): NramSession {
  return track(
    new NramSession(config, { streams: streamsOf(seed), optimizer, backend: 'cpu', dataRoots: ANY_DATA_DIR }),
  );
}

function train(s: NramSession, from: number, to: number): Record<string, number>[] {
  return Array.from({ length: to - from }, (_, i) => readMetrics(s.trainStep(from + i)));
}

describe('NramMachine', () => {
  it.each(['lstm', 'feedforward'] as const)(
    '%s: stop weights sum to 1, outputs are distributions',
    (controller) => {
      const machine = track(new NramMachine({ ...tiny, controller, timesteps: 4 }, streamsOf(1)));
      tf.tidy(() => {
        const memory = tf.tensor2d(
          [
            [3, 0, 0, 0, 5, 0, 0, 0, 0],
            [5, 0, 0, 0, 0, 0, 7, 0, 0],
          ],
          [2, 9],
          'int32',
        );
        const run = machine.run(memory, true);
        expect(run.outputs).toHaveLength(4);
        expect(run.outputs[0]?.shape).toEqual([2, 9]);
        for (const total of tf.addN(run.stopWeights).dataSync()) expect(total).toBeCloseTo(1, 6);
        for (const w of run.stopWeights) expect(tf.min(w).dataSync()[0]).toBeGreaterThanOrEqual(0);
        for (const out of run.outputs)
          for (const total of tf.sum(out, 1).dataSync()) expect(total).toBeCloseTo(1, 5);
        for (const total of tf.sum(NramMachine.answer(run), 1).dataSync()) expect(total).toBeCloseTo(1, 5);
        expect(run.entropy?.dataSync()[0]).toBeGreaterThan(0);
        const loss = NramMachine.loss(run, tf.tensor1d([5, 7], 'int32')).dataSync()[0] ?? Number.NaN;
        // log clamp: finite even if a target had probability 0; at most −log 1e-7.
        expect(loss).toBeGreaterThan(0);
        expect(loss).toBeLessThanOrEqual(-Math.log(1e-7) + 1e-3);
      });
    },
  );

  it('starts its output bias at stopBias for the stop logit and keepBias for each register keeping itself', () => {
    const machine = track(new NramMachine({ ...tiny, stopBias: -2, keepBias: 3 }, streamsOf(1)));
    const layout = circuitLayout(tiny.registers);
    const bias = machine.namedVariables.find((v) => v.name === 'controller/output/bias')?.variable;
    const values = Array.from(bias?.dataSync() ?? []);
    expect(values).toHaveLength(layout.outputs);
    const cells = layout.rows * layout.width + 1;
    const expected = values.map(() => 0);
    expected[layout.outputs - 1] = -2;
    layout.keepOutputs.forEach((compact, i) => {
      // The compact output scatters to register i's row, column i: the register picks itself.
      expect(layout.scatter[compact * cells + (layout.registerRow + i) * layout.width + i]).toBe(1);
      expected[compact] = 3;
    });
    expect(layout.keepOutputs).toHaveLength(tiny.registers);
    expect(values).toEqual(expected);
  });

  it('sizes the controller output: gate inputs over earlier outputs, registers, one stop logit', () => {
    // R = 2: gates' inputs Σ arity_q (2 + q) = 197, registers 2 × (2 + 14) = 32, stop 1.
    expect(controllerOutputs(2)).toBe(230);
  });
});

describe('NramSession', () => {
  it('creates through the definition and reports the declared per-step metrics', async () => {
    const s = track(
      await nramTrainer.create(tiny, {
        streams: streamsOf(1),
        optimizer: track(adam(1)),
        backend: 'cpu',
        dataRoots: ANY_DATA_DIR,
      }),
    );
    const metrics = readMetrics(s.trainStep(0));
    expect(Object.keys(metrics).sort()).toEqual(['curriculum_length', 'loss', 'train_accuracy']);
    expect(Number.isFinite(metrics.loss)).toBe(true);
    const evaluation = await s.evaluate(1);
    expect(Object.keys(evaluation).sort()).toEqual(['curriculum_length', 'test_accuracy', 'test_loss']);
    expect(evaluation.test_accuracy).toBeLessThan(1);
    expect(s.isSolved?.()).toBe(false);
    // The test set is fixed: evaluating twice gives the same numbers.
    expect(await s.evaluate(1)).toEqual(evaluation);
  });

  it('leaks no tensor across steps, evaluation, export/import and dispose', async () => {
    const start = tf.memory().numTensors;
    const optimizer = adam(3);
    const s = new NramSession(tiny, {
      streams: streamsOf(3),
      optimizer,
      backend: 'cpu',
      dataRoots: ANY_DATA_DIR,
    });
    train(s, 0, 2);
    const afterTwo = tf.memory().numTensors;
    train(s, 2, 4);
    await s.evaluate(4);
    expect(tf.memory().numTensors).toBe(afterTwo);
    const state = s.exportState();
    s.importState(state);
    tf.dispose(state.tensors.map((t) => t.tensor));
    expect(tf.memory().numTensors).toBe(afterTwo);
    s.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('resumes mid-curriculum bit-identically (weights, curriculum, optimizer and noise state)', () => {
    const total = 8;
    const cut = 3;
    const uninterrupted = session(6, track(adam(6)));
    const straight = train(uninterrupted, 0, total);

    const firstOptimizer = track(adam(6));
    const first = session(6, firstOptimizer);
    train(first, 0, cut);
    // Mid-window and past the start: the curriculum state is more than its length.
    expect(first.curriculum.windowSteps).toBe(1);
    expect(first.curriculum.length).toBeGreaterThan(1);
    const state = first.exportState();
    const optimizerState = firstOptimizer.exportState();
    const meta = JSON.parse(JSON.stringify(state.meta)) as Record<string, unknown>;
    const resumedOptimizer = track(adam(999));
    const resumed = session(6, resumedOptimizer);
    resumed.importState({ tensors: state.tensors, meta });
    resumedOptimizer.importState(optimizerState);
    tf.dispose(state.tensors.map((t) => t.tensor));
    expect(train(resumed, cut, total)).toEqual(straight.slice(cut));
    expect(resumed.curriculum).toEqual(uninterrupted.curriculum);
    expect(exportedWeights(resumed.exportState())).toEqual(exportedWeights(uninterrupted.exportState()));
  });

  it('refuses a checkpoint with a bad curriculum or a missing tensor, leaving the session intact', () => {
    const s = session(7, track(adam(7)));
    const state = s.exportState();
    const before = exportedWeights(s.exportState());
    expect(() =>
      s.importState({ tensors: state.tensors, meta: { format: 1, curriculum: { length: 9 } } }),
    ).toThrow(/invalid curriculum state/);
    expect(() => s.importState({ tensors: state.tensors.slice(1), meta: state.meta })).toThrow(
      /tensor controller\/lstm\/kernel has shape null/,
    );
    tf.dispose(state.tensors.map((t) => t.tensor));
    expect(exportedWeights(s.exportState())).toEqual(before);
  });

  it('rejects configs whose lists do not fit the memory, naming the field', () => {
    expect(() => compileNramConfig({ ...NRAM_DEFAULTS, memorySize: 8, maxListLength: 3 })).toThrow(
      /maxListLength: got 3; allowed: an integer in \[1, 2\]/,
    );
    expect(() => compileNramConfig({ ...NRAM_DEFAULTS, maxListLength: 2, curriculumStart: 3 })).toThrow(
      /curriculumStart: got 3/,
    );
    expect(() =>
      compileNramConfig({ ...NRAM_DEFAULTS, memorySize: 32, timesteps: 64, batchSize: 1024 }),
    ).toThrow(/batchSize: got 1024/);
  });
});
