import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { builtinTrainers } from '../../../src/trainers/index.js';
import { type MlpConfig, mlpTrainer } from '../../../src/trainers/mlp/index.js';
import { context, exportedWeights, readMetrics, sgd } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function config(overrides: Partial<MlpConfig>): MlpConfig {
  return mlpTrainer.compile({ ...mlpTrainer.defaults, ...overrides });
}

describe('mlp trainer', () => {
  it('is registered as mlp with the paper defaults', () => {
    expect(builtinTrainers.get('mlp')).toBe(mlpTrainer);
    expect(mlpTrainer.defaults).toMatchObject({ depth: 20, width: 50, init: 'simple', batchSize: 100 });
    expect(mlpTrainer.defaultNoise).toEqual({ eta: 0.01, gamma: 0.55 });
    expect(mlpTrainer.stepsPerEpoch(config({}), ANY_DATA_DIR)).toBe(80);
    expect(mlpTrainer.stepsPerEpoch(config({ batchSize: 64 }), ANY_DATA_DIR)).toBe(125);
  });

  // The cpu backend is ~4× slower than wasm; this size keeps the test near 15 s on a busy machine.
  it('learns MNIST: depth 2 × 32, lr 0.1, 250 steps reach >= 85% on the held-out 2,000', async () => {
    const cfg = config({ depth: 2, width: 32, init: 'he' });
    const optimizer = sgd(1, 0.1, 0);
    const session = await mlpTrainer.create(cfg, context(1, optimizer));
    const losses: number[] = [];
    for (let step = 0; step < 250; step += 1)
      losses.push(readMetrics(session.trainStep(step)).loss as number);
    const scores = await session.evaluate(250);
    session.dispose();
    optimizer.dispose();
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-50))).toBeLessThan(mean(losses.slice(0, 10)) / 3);
    expect(scores.test_accuracy).toBeGreaterThanOrEqual(0.85);
    expect(scores.train_accuracy).toBeGreaterThanOrEqual(0.85);
    expect(scores.test_loss).toBeLessThan(0.6);
    expect(Object.keys(scores).sort()).toEqual([
      'test_accuracy',
      'test_loss',
      'train_accuracy',
      'train_loss',
    ]);
  });

  it('reports loss as a scalar tensor and grad_norm / noise_std from the optimizer', async () => {
    const optimizer = sgd(3, 0.05, 0.01);
    const session = await mlpTrainer.create(config({ depth: 3, width: 16 }), context(3, optimizer));
    const metrics = session.trainStep(0);
    expect(metrics.loss).toBeInstanceOf(tf.Tensor);
    expect((metrics.loss as tf.Tensor).shape).toEqual([]);
    const values = readMetrics(metrics);
    expect(values.grad_norm).toBe(optimizer.lastStats.gradGlobalNorm);
    expect(values.grad_norm).toBeGreaterThan(0);
    // σ_0 = sqrt(η / (1 + 0)^γ) = 0.1 (paper §3, Eq. 1).
    expect(values.noise_std).toBeCloseTo(0.1, 6);
    session.dispose();
    optimizer.dispose();
  });
});

describe('mlp initialisation', () => {
  it.each([
    ['simple', 0.1, 0.1],
    ['he', Math.sqrt(2 / 784), Math.sqrt(2 / 64)],
    ['sussillo', (Math.SQRT2 * Math.exp(1.2 / 781.6)) / 28, (Math.SQRT2 * Math.exp(1.2 / 61.6)) / 8],
  ] as const)('%s: kernels have the documented std, biases start at 0', async (init, std0, std1) => {
    const optimizer = sgd(1, 0.1, 0);
    const cfg = config({
      depth: 2,
      width: 64,
      init,
      data: { source: 'mnist', trainSize: 100, testSize: 10 },
    });
    const session = await mlpTrainer.create(cfg, context(1, optimizer));
    const weights = exportedWeights(session.exportState());
    session.dispose();
    optimizer.dispose();
    const std = (v: Float32Array) => Math.sqrt(v.reduce((a, x) => a + x * x, 0) / v.length);
    expect(std(weights.get('layer0/kernel') as Float32Array) / std0).toBeCloseTo(1, 1);
    expect(std(weights.get('layer1/kernel') as Float32Array) / std1).toBeCloseTo(1, 1);
    for (const i of [0, 1, 2])
      expect((weights.get(`layer${i}/bias`) as Float32Array).every((b) => b === 0)).toBe(true);
  });
});

describe('mlp zero init (paper §4.1, Bad Init)', () => {
  /** Max over hidden kernels of the spread between columns (units) of the same layer. */
  async function unitSpread(eta: number): Promise<number> {
    const cfg = config({
      depth: 3,
      width: 8,
      init: 'zero',
      data: { source: 'mnist', trainSize: 1000, testSize: 100 },
    });
    const optimizer = sgd(5, 0.1, eta);
    const session = await mlpTrainer.create(cfg, context(5, optimizer));
    for (let step = 0; step < 20; step += 1) readMetrics(session.trainStep(step));
    let spread = 0;
    const state = session.exportState();
    for (const { name, tensor } of state.tensors) {
      if (name === 'layer3/kernel' || name === 'layer3/bias') continue; // the output layer's units differ by class
      const values = tensor.arraySync() as number[] | number[][];
      const rows = (Array.isArray(values[0]) ? values : [values]) as number[][];
      for (const row of rows) spread = Math.max(spread, Math.max(...row) - Math.min(...row));
    }
    tf.dispose(state.tensors.map(({ tensor }) => tensor));
    session.dispose();
    optimizer.dispose();
    return spread;
  }

  it('keeps every hidden unit of a layer identical without noise, and breaks the symmetry with noise', async () => {
    expect(await unitSpread(0)).toBe(0);
    expect(await unitSpread(0.01)).toBeGreaterThan(1e-3);
  });
});

describe('mlp determinism and resume', () => {
  const cfg = () =>
    config({
      depth: 3,
      width: 16,
      dropoutRate: 0.2,
      data: { source: 'mnist', trainSize: 500, testSize: 100 },
    });

  async function train(seed: number, steps: number) {
    const optimizer = sgd(seed, 0.1, 0.01);
    const session = await mlpTrainer.create(cfg(), context(seed, optimizer));
    for (let step = 0; step < steps; step += 1) readMetrics(session.trainStep(step));
    const weights = exportedWeights(session.exportState());
    session.dispose();
    optimizer.dispose();
    return weights;
  }

  it('gives identical weights for the same seed and different ones for another seed', async () => {
    const a = await train(11, 12);
    const b = await train(11, 12);
    const c = await train(12, 12);
    expect([...a.keys()]).toEqual([
      'layer0/kernel',
      'layer0/bias',
      'layer1/kernel',
      'layer1/bias',
      'layer2/kernel',
      'layer2/bias',
      'layer3/kernel',
      'layer3/bias',
    ]);
    for (const [name, values] of a) expect(b.get(name)).toEqual(values);
    expect(c.get('layer1/kernel')).not.toEqual(a.get('layer1/kernel'));
  });

  it('continues exactly after export at step k and import into a new session and optimizer', async () => {
    // 500 samples / batch 100 = 5 steps per epoch, so the run crosses epochs after the resume.
    const seed = 21;
    const total = 13;
    const k = 7;
    const uninterrupted = await train(seed, total);

    const before = tf.memory().numTensors;
    const first = sgd(seed, 0.1, 0.01);
    const a = await mlpTrainer.create(cfg(), context(seed, first));
    for (let step = 0; step < k; step += 1) readMetrics(a.trainStep(step));
    const state = a.exportState();
    expect(state.meta).toEqual({});
    const optimizerState = first.exportState();

    const second = sgd(seed, 0.1, 0.01);
    second.importState(optimizerState);
    tf.dispose(optimizerState.inner.map((t) => t.tensor));
    const b = await mlpTrainer.create(cfg(), context(seed, second));
    b.importState(state);
    tf.dispose(state.tensors.map(({ tensor }) => tensor));
    a.dispose();
    first.dispose();
    for (let step = k; step < total; step += 1) readMetrics(b.trainStep(step));
    const resumed = exportedWeights(b.exportState());
    b.dispose();
    second.dispose();
    for (const [name, values] of uninterrupted) expect(resumed.get(name)).toEqual(values);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a state of another shape', async () => {
    const optimizer = sgd(1, 0.1, 0);
    const small = await mlpTrainer.create(cfg(), context(1, optimizer));
    const other = await mlpTrainer.create(config({ depth: 3, width: 8 }), context(1, optimizer));
    const state = small.exportState();
    expect(() => other.importState(state)).toThrow(/layer0\/kernel has shape \[784,16\], expected \[784,8\]/);
    tf.dispose(state.tensors.map(({ tensor }) => tensor));
    small.dispose();
    other.dispose();
    optimizer.dispose();
  });
});

describe('mlp tensor ownership', () => {
  it('leaves no tensor behind after steps, evaluation, export and dispose', async () => {
    const cfg = config({
      depth: 2,
      width: 8,
      dropoutRate: 0.5,
      data: { source: 'mnist', trainSize: 300, testSize: 50 },
    });
    const before = tf.memory().numTensors;
    const optimizer = sgd(2, 0.1, 0.01);
    const session = await mlpTrainer.create(cfg, context(2, optimizer));
    for (let step = 0; step < 8; step += 1) readMetrics(session.trainStep(step));
    await session.evaluate(8);
    tf.dispose(session.exportState().tensors.map(({ tensor }) => tensor));
    const during = tf.memory().numTensors;
    for (let step = 8; step < 12; step += 1) readMetrics(session.trainStep(step));
    expect(tf.memory().numTensors).toBe(during);
    session.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
