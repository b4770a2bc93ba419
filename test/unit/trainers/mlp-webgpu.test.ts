import * as tf from '@tensorflow/tfjs';
import { afterAll, expect, it } from 'vitest';
import { type BackendPreference, selectBackend } from '../../../src/backend/index.js';
import { CURRENT_STREAM_VERSION, runStreams } from '../../../src/core/index.js';
import { DenseNet } from '../../../src/trainers/shared/dense-net.js';
import { softmaxCrossEntropy } from '../../../src/trainers/shared/metrics.js';
import { describeWebGpu } from '../../helpers/webgpu.js';

/**
 * The `mlp` trainer's network at the paper's size (§4.1: 20 hidden layers of 50, 784 → 10) on
 * `webgpu` against `wasm`: the loss and every gradient of one forward and backward pass agree to
 * 1e-5 relative (float32 kernels that sum in other orders). On lavapipe.
 */

const BATCH = 100;
const FEATURES = 784;
const CLASSES = 10;

/**
 * A deterministic batch (no data files): inputs in [0, 1] like pixels, labels unevenly spread (an
 * even spread would make the output bias's gradient vanish to rounding noise).
 */
function batch(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const inputs = Float32Array.from({ length: BATCH * FEATURES }, (_, i) => 0.5 + 0.5 * Math.sin(0.37 * i));
  const labels = Int32Array.from({ length: BATCH }, (_, i) => (i * i) % CLASSES);
  return {
    x: tf.tensor2d(inputs, [BATCH, FEATURES]),
    y: tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES) as tf.Tensor2D,
  };
}

/** Loss and gradients (by weight name) of one pass on `backend`, with the backend's own gradient path. */
async function pass(backend: BackendPreference): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
  await selectBackend(backend);
  const net = new DenseNet({
    sizes: [FEATURES, ...Array.from({ length: 20 }, () => 50), CLASSES],
    // He init keeps the signal alive through 20 layers, so every gradient is well above rounding.
    init: 'he',
    streams: runStreams(5, CURRENT_STREAM_VERSION),
  });
  const { x, y } = batch();
  const names = new Map(net.namedWeights().map(({ name, tensor }) => [(tensor as tf.Variable).name, name]));
  const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy(y, net.logits(x)), net.variables());
  const out = new Map<string, Float32Array>();
  for (const [variable, g] of Object.entries(grads))
    out.set(names.get(variable) ?? variable, Float32Array.from(await g.data()));
  const loss = (await value.data())[0] as number;
  tf.dispose([value, x, y, ...Object.values(grads)]);
  net.dispose();
  return { loss, grads: out };
}

describeWebGpu('the mlp forward and backward pass on webgpu', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('agrees with wasm to 1e-5 relative', async () => {
    const wasm = await pass('wasm');
    const webgpu = await pass('webgpu');
    expect(Math.abs(webgpu.loss - wasm.loss) / wasm.loss).toBeLessThanOrEqual(1e-5);
    expect([...webgpu.grads.keys()].sort()).toEqual([...wasm.grads.keys()].sort());
    expect(wasm.grads.size).toBe(42);
    for (const [name, expected] of wasm.grads) {
      const actual = webgpu.grads.get(name) as Float32Array;
      // Relative to the tensor's largest element: single tiny elements would make a ratio meaningless.
      let scale = 0;
      let diff = 0;
      for (let i = 0; i < expected.length; i++) {
        scale = Math.max(scale, Math.abs(expected[i] as number));
        diff = Math.max(diff, Math.abs((actual[i] as number) - (expected[i] as number)));
      }
      expect(scale, name).toBeGreaterThan(0);
      expect(diff / scale, `${name}: largest |gradient| ${scale}`).toBeLessThanOrEqual(1e-5);
    }
  });
});
