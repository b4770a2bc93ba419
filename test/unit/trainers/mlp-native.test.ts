import * as tf from '@tensorflow/tfjs';
import { afterAll, expect, it } from 'vitest';
import { loadNativeKernels, selectBackend } from '../../../src/backend/index.js';
import { CURRENT_STREAM_VERSION, runStreams } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { createInnerOptimizer, createNoisyOptimizer, readStorage } from '../../../src/optim/index.js';
import { readMetrics } from '../../../src/runs/worker/state.js';
import { mlpTrainer } from '../../../src/trainers/mlp/index.js';
import { DenseNet } from '../../../src/trainers/shared/dense-net.js';
import { softmaxCrossEntropy } from '../../../src/trainers/shared/metrics.js';
import { describeNative } from '../../helpers/native.js';

/**
 * The `mlp` trainer's network at the paper's size (§4.1: 20 hidden layers of 50, 784 → 10) through
 * the native addon against tfjs on `wasm`: the loss and every gradient of one forward and backward
 * pass agree to 1e-5 relative (float32 sums in other orders). And the trainer's session on native
 * follows the tfjs session step by step: same batches (a short last one included), same noise keyed
 * by tensor name, same SGD.
 */

const BATCH = 100;
const FEATURES = 784;
const CLASSES = 10;
const SIZES = [FEATURES, ...Array.from({ length: 20 }, () => 50), CLASSES];

/** A deterministic batch: inputs in [0, 1] like pixels, labels unevenly spread. */
function batch(): { inputs: Float32Array; oneHot: Float32Array } {
  const inputs = Float32Array.from({ length: BATCH * FEATURES }, (_, i) => 0.5 + 0.5 * Math.sin(0.37 * i));
  const oneHot = new Float32Array(BATCH * CLASSES);
  for (let r = 0; r < BATCH; r += 1) oneHot[r * CLASSES + ((r * r) % CLASSES)] = 1;
  return { inputs, oneHot };
}

describeNative('the mlp forward and backward pass on the native addon', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('agrees with tfjs on wasm to 1e-5 relative', async () => {
    const selection = await selectBackend('native');
    expect(selection).toMatchObject({ name: 'native', tfjsName: 'wasm' });
    expect(tf.getBackend()).toBe('wasm');
    const kernels = loadNativeKernels();
    // He init keeps the signal alive through 20 layers, so every gradient is well above rounding.
    const net = new DenseNet({ sizes: SIZES, init: 'he', streams: runStreams(5, CURRENT_STREAM_VERSION) });
    const { inputs, oneHot } = batch();
    const weights = net.namedWeights();
    const grads = weights.map(({ tensor }) => new Float32Array(tensor.size));
    const sizes = Int32Array.from(SIZES);
    const work = new Float32Array(kernels.workspaceLength(sizes, BATCH));
    const params = weights.map(({ tensor }) => readStorage(tensor));
    const loss = kernels.step(sizes, params, inputs, oneHot, BATCH, grads, work);

    const x = tf.tensor2d(inputs, [BATCH, FEATURES]);
    const y = tf.tensor2d(oneHot, [BATCH, CLASSES]);
    const names = new Map(weights.map(({ name, tensor }) => [(tensor as tf.Variable).name, name]));
    const expected = tf.variableGrads(() => softmaxCrossEntropy(y, net.logits(x)), net.variables());
    const tfjsLoss = (await expected.value.data())[0] as number;
    expect(Math.abs(loss - tfjsLoss) / tfjsLoss).toBeLessThanOrEqual(1e-5);
    expect(Object.keys(expected.grads)).toHaveLength(42);
    for (const [variable, g] of Object.entries(expected.grads)) {
      const name = names.get(variable) as string;
      const want = await g.data();
      const got = grads[weights.findIndex((w) => w.name === name)] as Float32Array;
      let scale = 0;
      let diff = 0;
      for (let i = 0; i < want.length; i++) {
        scale = Math.max(scale, Math.abs(want[i] as number));
        diff = Math.max(diff, Math.abs((got[i] as number) - (want[i] as number)));
      }
      expect(scale, name).toBeGreaterThan(0);
      expect(diff / scale, `${name}: largest |gradient| ${scale}`).toBeLessThanOrEqual(1e-5);
    }
    tf.dispose([x, y, expected.value, ...Object.values(expected.grads)]);
    net.dispose();
  });
});

/** Losses and final weights of `steps` steps of the mlp trainer on `backend`, with noise keyed by name. */
async function trainMlp(backend: 'native' | 'wasm', steps: number) {
  const selection = await selectBackend(backend);
  const config = mlpTrainer.compile({
    ...mlpTrainer.defaults,
    depth: 3,
    width: 16,
    batchSize: 30,
    data: { source: 'mnist', trainSize: 100, testSize: 50 },
  });
  const optimizer = createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate: 0.1 }), {
    eta: 0.01,
    gamma: 0.55,
    seed: 9,
    overwriteGradients: true,
  });
  const session = await mlpTrainer.create(config, {
    streams: runStreams(9, CURRENT_STREAM_VERSION),
    optimizer,
    backend: selection.name,
    dataRoots: ANY_DATA_DIR,
    ...(backend === 'native' ? { denseKernels: loadNativeKernels() } : {}),
  });
  optimizer.keyNoiseByName(session.parameterNames());
  const losses: number[] = [];
  const tensors: number[] = [];
  for (let step = 0; step < steps; step += 1) {
    losses.push((await readMetrics(session.trainStep(step))).get('loss') as number);
    tensors.push(tf.memory().numTensors);
  }
  const state = session.exportState();
  const weights = new Map(
    state.tensors.map(({ name, tensor }) => [name, Float32Array.from(tensor.dataSync())]),
  );
  tf.dispose(state.tensors.map((t) => t.tensor));
  const evaluation = await session.evaluate(steps);
  session.dispose();
  optimizer.dispose();
  return { losses, weights, evaluation, tensors, session: session.constructor.name };
}

describeNative('the mlp session on native', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('follows the tfjs session on wasm step by step, and repeats itself to the bit', async () => {
    // 100 samples in batches of 30: every fourth step is a short batch of 10.
    const tfjs = await trainMlp('wasm', 8);
    const native = await trainMlp('native', 8);
    expect([tfjs.session, native.session]).toEqual(['ClassifierSession', 'NativeMlpSession']);
    native.losses.forEach((loss, i) => {
      expect(
        Math.abs(loss - (tfjs.losses[i] as number)) / (tfjs.losses[i] as number),
        `step ${i}`,
      ).toBeLessThan(1e-5);
    });
    expect([...native.weights.keys()]).toEqual([...tfjs.weights.keys()]);
    for (const [name, want] of tfjs.weights) {
      const got = native.weights.get(name) as Float32Array;
      const scale = Math.max(...want.map(Math.abs));
      const diff = Math.max(...got.map((v, i) => Math.abs(v - (want[i] as number))));
      expect(diff / scale, name).toBeLessThan(1e-5);
    }
    // Evaluation through the addon's forward pass: the tfjs session's metrics.
    for (const metric of ['train_accuracy', 'test_accuracy', 'train_loss', 'test_loss']) {
      expect(native.evaluation[metric], metric).toBeCloseTo(tfjs.evaluation[metric] as number, 5);
    }
    // Every tensor a step makes is gone by the next.
    expect(new Set(native.tensors).size).toBe(1);
    const again = await trainMlp('native', 8);
    expect(again.losses).toEqual(native.losses);
    expect(again.weights).toEqual(native.weights);
  });
});
