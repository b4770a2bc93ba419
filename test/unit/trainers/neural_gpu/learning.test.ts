import * as tf from '@tensorflow/tfjs';
import { ANY_DATA_DIR } from '../../../../src/data/index.js';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createInnerOptimizer, createNoisyOptimizer } from '../../../../src/optim/index.js';
import {
  compileNeuralGpuConfig,
  errorRates,
  NEURAL_GPU_DEFAULTS,
  NeuralGpuSession,
} from '../../../../src/trainers/neural_gpu/index.js';
import { streamsOf } from '../helpers.js';

// wasm rather than cpu: the Neural GPU is convolution-bound and tfjs's cpu convolutions are
// 20-40× slower than wasm's XNNPACK ones, which would put this test at several minutes.
beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
});

/**
 * The smallest Neural GPU that learns reliably in a CI budget: one CGRU layer, 16 maps, height 2,
 * batch 32, lengths 3 → 5 through the curriculum. Tuned on seeds 1-4: all reach 0.4-0.8 %
 * sequence error at length 5 after 700 steps, so the thresholds below leave a wide margin; a
 * fixed seed keeps the test deterministic.
 */
const config = compileNeuralGpuConfig({
  ...NEURAL_GPU_DEFAULTS,
  task: 'add',
  maps: 16,
  layers: 1,
  height: 2,
  batchSize: 32,
  dropoutRate: 0,
  maxTrainLength: 5,
  curriculumStart: 3,
  testLengths: [5],
  evalExamples: 256,
});
const STEPS = 700;
const SEED = 1;

describe('Neural GPU learning', () => {
  it(
    'learns binary addition to low error at length 5 within a short run',
    () => {
      const optimizer = createNoisyOptimizer(
        createInnerOptimizer({ kind: 'adam', learningRate: 0.005, epsilon: 1e-4 }),
        { eta: 0, seed: SEED, clip: { byGlobalNorm: 1 } },
      );
      const session = new NeuralGpuSession(config, {
        streams: streamsOf(SEED),
        optimizer,
        backend: 'wasm',
        dataRoots: ANY_DATA_DIR,
      });
      const before = errorRates(session.evaluateLength(5, config.evalExamples));
      for (let step = 0; step < STEPS; step += 1) {
        for (const value of Object.values(session.trainStep(step)))
          if (typeof value !== 'number') value.dispose();
      }
      const after = errorRates(session.evaluateLength(5, config.evalExamples));
      const curriculum = session.curriculum.length;
      session.dispose();
      optimizer.dispose();

      // Untrained, almost every 6-digit sum is wrong; trained, almost every one is right.
      expect(before.seqError).toBeGreaterThan(0.9);
      expect(curriculum).toBe(5);
      expect(after.seqError).toBeLessThan(0.1);
      expect(after.bitError).toBeLessThan(0.02);
    },
    10 * 60_000,
  );
});
