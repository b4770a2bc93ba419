import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { builtinTrainers } from '../../../src/trainers/index.js';
import { type SmokeConfig, smokeTrainer } from '../../../src/trainers/smoke/index.js';
import { context, readMetrics, sgd } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function config(overrides: Partial<SmokeConfig> = {}): SmokeConfig {
  return smokeTrainer.compile({ ...smokeTrainer.defaults, ...overrides });
}

describe('smoke trainer', () => {
  it('is registered with its documented defaults', () => {
    expect(builtinTrainers.get('smoke')).toBe(smokeTrainer);
    expect(smokeTrainer.defaultMaxSteps).toBe(200);
    expect(config()).toEqual({
      hiddenUnits: 16,
      layers: 1,
      batchSize: 32,
      inputs: 8,
      classes: 2,
      trainSize: 1024,
      testSize: 512,
    });
    expect(smokeTrainer.stepsPerEpoch(config(), ANY_DATA_DIR)).toBe(32);
  });

  it('learns its blobs within the default 200 steps, fast, without leaking', async () => {
    const before = tf.memory().numTensors;
    const optimizer = sgd(4, 0.1, 0.01);
    const session = await smokeTrainer.create(config(), context(4, optimizer));
    const first = await session.evaluate(0);
    const losses: number[] = [];
    const start = performance.now();
    for (let step = 0; step < 200; step += 1) {
      const metrics = readMetrics(session.trainStep(step));
      expect(Object.keys(metrics).sort()).toEqual(['grad_norm', 'loss', 'noise_std']);
      losses.push(metrics.loss as number);
    }
    const msPerStep = (performance.now() - start) / 200;
    const last = await session.evaluate(200);
    session.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);

    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-20))).toBeLessThan(mean(losses.slice(0, 5)) / 2);
    expect(last.test_loss).toBeLessThan(first.test_loss as number);
    expect(last.test_accuracy).toBeGreaterThan(0.9);
    expect(last.train_accuracy).toBeGreaterThan(0.9);
    // A guard against gross regressions only: ~1 ms on an idle core, 5.6 ms measured at load 13.
    expect(msPerStep).toBeLessThan(50);
  });

  it('handles several classes, no hidden layer, and a batch that does not divide the set', async () => {
    const optimizer = sgd(6, 0.1, 0);
    const cfg = config({ classes: 4, layers: 0, batchSize: 100, trainSize: 250, testSize: 40 });
    expect(smokeTrainer.stepsPerEpoch(cfg, ANY_DATA_DIR)).toBe(3);
    const session = await smokeTrainer.create(cfg, context(6, optimizer));
    for (let step = 0; step < 60; step += 1) readMetrics(session.trainStep(step));
    const scores = await session.evaluate(60);
    const state = session.exportState();
    tf.dispose(state.tensors.map(({ tensor }) => tensor));
    expect(state.tensors.map((t) => [t.name, t.tensor.shape])).toEqual([
      ['layer0/kernel', [8, 4]],
      ['layer0/bias', [4]],
    ]);
    session.dispose();
    optimizer.dispose();
    expect(scores.test_accuracy).toBeGreaterThan(0.7);
  });

  it('rejects bad config values naming the field', () => {
    expect(() => config({ hiddenUnits: 0 })).toThrow('hiddenUnits: got 0; allowed: an integer in [1, 1024]');
    expect(() => config({ classes: 1 })).toThrow(/^classes: got 1/);
    expect(() => smokeTrainer.compile({ ...smokeTrainer.defaults, speed: 2 } as SmokeConfig)).toThrow(
      /^speed: got 2; allowed: a known key/,
    );
  });
});
