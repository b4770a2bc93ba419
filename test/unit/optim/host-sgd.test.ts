import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import {
  axpyInJs,
  createInnerOptimizer,
  createNoisyOptimizer,
  type NoisyOptimizer,
} from '../../../src/optim/index.js';

/**
 * `NoisyOptimizer.updateSgdOnHost`: the inner SGD step done in the weights' own storage gives
 * tfjs's SGD to the bit (noise, clipping, a learning-rate change and the exported state included),
 * and steps aside where it cannot apply.
 */

const SHAPES = [[3, 4], [4], [1000]] as const;

/** Values spread over many exponents, so that any difference in rounding would show. */
function values(size: number, salt: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => Math.sin(i * 1.7 + salt) * 10 ** ((i % 7) - 3));
}

interface Trained {
  readonly bits: number[][];
  readonly iterations: number;
  readonly tensorsAfter: number;
  /** Calls of the host kernel (one per variable per step when it ran). */
  readonly kernelCalls: number;
}

/** Trains fresh variables for `steps` steps, `kernel` on or off; a clone of variable 0 alive at each step when `hold`. */
function train(options: {
  kernel: boolean;
  kind?: 'sgd' | 'momentum';
  hold?: boolean;
  steps?: number;
}): Trained {
  const inner = createInnerOptimizer({ kind: options.kind ?? 'sgd', learningRate: 0.1 });
  const optimizer: NoisyOptimizer = createNoisyOptimizer(inner, {
    eta: 0.3,
    seed: 11,
    clip: { byGlobalNorm: 5 },
    overwriteGradients: true,
  });
  let kernelCalls = 0;
  if (options.kernel) {
    optimizer.updateSgdOnHost((w, g, factor) => {
      kernelCalls += 1;
      axpyInJs(w, g, factor);
    });
  }
  const variables = SHAPES.map((shape, i) =>
    tf.tidy(() => tf.variable(tf.tensor(values(tf.util.sizeFromShape([...shape]), i), [...shape]))),
  );
  const before = tf.memory().numTensors;
  for (let step = 0; step < (options.steps ?? 4); step += 1) {
    if (step === 2) optimizer.setLearningRate(0.037);
    tf.tidy(() => {
      // As a checkpoint's export does: a clone shares variable 0's storage while it lives.
      if (options.hold === true) tf.clone(variables[0] as tf.Variable);
      const grads: tf.NamedTensorMap = {};
      variables.forEach((v, i) => {
        grads[v.name] = tf.tensor(values(v.size, 100 * step + i), v.shape);
      });
      optimizer.applyGradients(grads);
    });
  }
  const tensorsAfter = tf.memory().numTensors - before;
  const bits = variables.map((v) => [...new Uint32Array(Float32Array.from(v.dataSync()).buffer)]);
  const iterations = optimizer.exportState().inner[0]?.tensor.dataSync()[0] ?? -1;
  tf.dispose(variables);
  optimizer.dispose();
  return { bits, iterations, tensorsAfter, kernelCalls };
}

describe.each(['cpu', 'wasm'])('SGD on the host, %s backend', (backend) => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('equals tfjs SGD to the bit, iterations included, and leaks nothing', async () => {
    await tf.setBackend(backend);
    const tfjs = train({ kernel: false });
    const host = train({ kernel: true });
    expect(host.bits).toEqual(tfjs.bits);
    expect(host.iterations).toBe(4);
    expect(tfjs.iterations).toBe(4);
    expect(host.tensorsAfter).toBe(0);
    expect(host.kernelCalls).toBe(4 * SHAPES.length);
  });

  it('writes the weights in place only where they are not shared, and leaves other kinds to tfjs', async () => {
    await tf.setBackend(backend);
    // A clone held (as during a checkpoint) shares variable 0's storage: the step goes through tfjs.
    const held = train({ kernel: true, hold: true });
    expect(held.bits).toEqual(train({ kernel: false }).bits);
    // On cpu a clone shares its source's array, so the step must leave it alone; wasm's clone copies.
    expect(held.kernelCalls).toBe(backend === 'cpu' ? 0 : 4 * SHAPES.length);
    const momentum = train({ kernel: true, kind: 'momentum' });
    expect(momentum.bits).toEqual(train({ kernel: false, kind: 'momentum' }).bits);
    expect(momentum.kernelCalls).toBe(0);
  });
});

describe('axpyInJs', () => {
  it('rounds the product and then the sum to float32, as float32 arithmetic does', () => {
    const w = Float32Array.of(1, 16777216, 0.1);
    const g = Float32Array.of(3, 1, 0.3);
    axpyInJs(w, g, -0.1);
    const c = Math.fround(-0.1);
    const f32 = (x: number) => Math.fround(x);
    expect([...w]).toEqual([
      f32(1 + f32(c * 3)),
      f32(16777216 + f32(c * 1)),
      f32(f32(0.1) + f32(c * f32(0.3))),
    ]);
  });
});
