import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ANY_DATA_DIR } from '../../../../src/data/index.js';
import { createInnerOptimizer, createNoisyOptimizer } from '../../../../src/optim/index.js';
import {
  compileNramConfig,
  NRAM_DEFAULTS,
  type NramConfig,
  NramSession,
} from '../../../../src/trainers/nram/index.js';
import { readMetrics, streamsOf } from '../helpers.js';

// wasm rather than cpu: the unroll is hundreds of small ops per step, which wasm runs faster.
beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
});

const open: { dispose(): void }[] = [];
afterEach(() => {
  for (const resource of open.splice(0)) resource.dispose();
});

function session(config: NramConfig, seed: number): NramSession {
  const optimizer = createNoisyOptimizer(createInnerOptimizer({ kind: 'adam', learningRate: 0.05 }), {
    eta: 0,
    seed,
    clip: { byGlobalNorm: 10 },
  });
  const s = new NramSession(config, {
    streams: streamsOf(seed),
    optimizer,
    backend: 'wasm',
    dataRoots: ANY_DATA_DIR,
  });
  open.push(optimizer, s);
  return s;
}

const small = {
  ...NRAM_DEFAULTS,
  registers: 2,
  timesteps: 3,
  controller: 'feedforward',
  hiddenSize: 8,
  batchSize: 20,
  evalExamples: 50,
} as const;

describe('NRAM learning', () => {
  it('solves ListK with one list slot (M = 5): 100 % on the test set, so isSolved', async () => {
    // One slot: the head is always cell 3, so the answer is a fixed READ the machine must learn to
    // compose from constants and write to cell 2 within its T steps.
    const s = session(compileNramConfig({ ...small, memorySize: 5, maxListLength: 1 }), 1);
    expect((await s.evaluate(0)).test_accuracy).toBeLessThan(0.5);
    expect(s.isSolved()).toBe(false);
    let step = 0;
    for (; step < 60 && !s.isSolved(); step += 1) {
      readMetrics(s.trainStep(step));
      if (step % 10 === 9) await s.evaluate(step + 1);
    }
    expect(s.isSolved()).toBe(true);
    expect(s.evaluateTestSet().accuracy).toBe(1);
  });

  it('learns M = 8 (two nodes, k ∈ {0, 1}) clearly better than chance (1/8) in a few dozen steps', async () => {
    const s = session(compileNramConfig({ ...small, memorySize: 8, maxListLength: 2 }), 1);
    const before = s.evaluateTestSet();
    for (let step = 0; step < 40; step += 1) readMetrics(s.trainStep(step));
    const after = s.evaluateTestSet();
    expect(before.accuracy).toBeLessThan(0.3);
    expect(after.accuracy).toBeGreaterThan(0.4);
    expect(after.loss).toBeLessThan(before.loss);
  });
});
