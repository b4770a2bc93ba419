import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadNativeKernels, selectBackend } from '../../../../src/backend/index.js';
import type { NramKernels } from '../../../../src/core/index.js';
import { Stream } from '../../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../../src/data/index.js';
import { listKBatch } from '../../../../src/data/tasks/index.js';
import { createInnerOptimizer, createNoisyOptimizer } from '../../../../src/optim/index.js';
import { compileNramConfig, NRAM_DEFAULTS, NramSession } from '../../../../src/trainers/nram/index.js';
import { describeNative } from '../../../helpers/native.js';
import { readMetrics, streamsOf } from '../helpers.js';

// The tiny instance, trained by the paper's recipe from one fixed seed. It is a learning
// test, so it takes minutes rather than milliseconds: a seed search (README.md, "Known plateaus")
// found that this instance is solved only by some seeds, and only after the machine leaves a
// plateau that lasts over a thousand steps.

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
});

const open: { dispose(): void }[] = [];
afterEach(() => {
  for (const resource of open.splice(0)) resource.dispose();
});

/**
 * The quickest setting that solves it (README.md; docs/results.md, Table 4): the paper's LSTM
 * controller, R = 4, T = 5, a stopping bias of −10 (the machine runs its T steps unless it learns
 * to stop), an entropy bonus of 0.1 decaying 0.9995 a step, Adam at lr 0.03, and the trainer's
 * defaults otherwise (batch 50, clipping at 10 then noise η = 0.01, γ = 0.55, §4.4).
 */
const TINY = compileNramConfig({
  ...NRAM_DEFAULTS,
  memorySize: 8,
  maxListLength: 2,
  registers: 4,
  timesteps: 5,
  controller: 'lstm',
  hiddenSize: 32,
  stopBias: -10,
  keepBias: 2,
  entropyBonus: 0.1,
  entropyDecay: 0.9995,
  evalExamples: 100,
});
const SEED = 102;
const MAX_STEPS = 2000;
const EVAL_EVERY = 100;

/** The session of the tiny instance; with `nramKernels` it steps through the native addon. */
function tinySession(nramKernels?: NramKernels): NramSession {
  // As the runtime builds a run's optimizer (src/runs/worker/loop.ts): noise seeded by the run's
  // seed, clipped first, keyed by parameter name.
  const optimizer = createNoisyOptimizer(createInnerOptimizer({ kind: 'adam', learningRate: 0.03 }), {
    eta: 0.01,
    gamma: 0.55,
    seed: SEED,
    clip: { byGlobalNorm: 10 },
    overwriteGradients: true,
  });
  const s = new NramSession(TINY, {
    streams: streamsOf(SEED),
    optimizer,
    backend: nramKernels === undefined ? 'wasm' : 'native',
    dataRoots: ANY_DATA_DIR,
    ...(nramKernels === undefined ? {} : { nramKernels }),
  });
  optimizer.keyNoiseByName(s.parameterNames());
  open.push(optimizer, s);
  return s;
}

/** Trains `s` until its test set is solved or MAX_STEPS pass; checks both halves of the task. */
async function trainToSolved(s: NramSession): Promise<void> {
  expect((await s.evaluate(0)).test_accuracy).toBeLessThan(0.3);
  let step = 0;
  while (step < MAX_STEPS && !s.isSolved()) {
    readMetrics(s.trainStep(step));
    step += 1;
    if (step % EVAL_EVERY === 0) await s.evaluate(step);
  }
  expect(s.isSolved()).toBe(true);
  expect(s.evaluateTestSet().accuracy).toBe(1);
  // Both halves of the task: a k = 0 program alone is right on only about half of the k = 1
  // lists (where the two values agree or by the hedge), so a solved test set has both.
  const test = listKBatch(
    TINY.memorySize,
    new Array<number>(TINY.evalExamples).fill(TINY.maxListLength),
    streamsOf(SEED).stream(Stream.dataSplit, 0),
  );
  const ks = Array.from({ length: test.batchSize }, (_, i) => test.memory[i * TINY.memorySize + 1]);
  expect(ks.filter((k) => k === 0).length).toBeGreaterThan(30);
  expect(ks.filter((k) => k === 1).length).toBeGreaterThan(30);
}

describe('NRAM on the tiny ListK instance (M = 8, two nodes, k ∈ {0, 1})', () => {
  it('trains to 100 % on the test set from a fixed seed, for k = 0 and k = 1 alike', async () => {
    await trainToSolved(tinySession());
  }, 600_000);
});

// The same seed through the native addon's step: the same recipe, rounded otherwise, so its own
// trajectory (it solved at step 1,600 when this was written; the tfjs one at 1,500).
describeNative('NRAM on the tiny ListK instance, native step', () => {
  it('trains to 100 % on the test set from a fixed seed', async () => {
    expect(await selectBackend('native')).toMatchObject({ name: 'native', tfjsName: 'wasm' });
    try {
      await trainToSolved(tinySession(loadNativeKernels()));
    } finally {
      await tf.setBackend('wasm');
    }
  }, 120_000);
});
