import type * as tf from '@tensorflow/tfjs';
import { type GradientEntry, variableNamed } from './gradients.js';
import { writableStorage } from './storage.js';
import type { HostTensors } from './transform.js';

/**
 * The inner SGD step (step 5 of `NoisyOptimizer`'s pipeline) done on the host, in the weights' own
 * storage, instead of through `inner.applyGradients`: for a caller whose gradients are host arrays
 * anyway (the `native` backend's fused dense stack), tfjs's SGD would cost a tidy, two kernels and
 * an assign per variable, more than the arithmetic.
 *
 * The result is tfjs's SGD to the bit: w ← w + c·g with c = float32(−learning rate), two float32
 * roundings (a product, then a sum), as its `add(mul(c, gradient), value)`; the iteration count
 * advances the same, so an exported state is the same too.
 */

/**
 * `weights[i] += factor · gradients[i]` in float32, rounding the product and then the sum
 * (the native addon's `sgd`, or {@link axpyInJs}).
 */
export type AxpyKernel = (weights: Float32Array, gradients: Float32Array, factor: number) => void;

/**
 * The kernel in JavaScript. Float64 products and sums of float32 values rounded back to float32
 * are the float32 operations exactly (a double has more than 2 × 24 + 2 bits), so `fround` after
 * the product and the store after the sum give the same bits as float32 arithmetic.
 */
export const axpyInJs: AxpyKernel = (weights, gradients, factor) => {
  const c = Math.fround(factor);
  for (let i = 0; i < weights.length; i += 1) {
    weights[i] = (weights[i] as number) + Math.fround(c * (gradients[i] as number));
  }
};

/** The protected member of tfjs's `Optimizer` that counts applied steps. */
interface CountsIterations {
  incrementIterations(): void;
}

/**
 * Applies `updates` (one per entry, null where a variable has no gradient) to the entries'
 * variables as `inner`, a tfjs SGD optimizer, would, in place. Returns false, having changed
 * nothing, when it cannot: `inner` is not plain SGD, or a variable's storage is not this tensor's
 * alone to write (another backend, or a clone of it alive, e.g. during a checkpoint). The caller
 * then uses `inner.applyGradients`.
 */
export function applySgdInPlace(
  inner: tf.Optimizer,
  entries: readonly GradientEntry[],
  updates: HostTensors,
  kernel: AxpyKernel,
): boolean {
  if (inner.getClassName() !== 'SGD') return false;
  const learningRate = inner.getConfig().learningRate;
  if (typeof learningRate !== 'number') return false;
  const targets: (Float32Array | null)[] = [];
  for (const [i, entry] of entries.entries()) {
    if (entry.tensor === null || updates[i] === null || updates[i] === undefined) {
      targets.push(null);
      continue;
    }
    const storage = writableStorage(variableNamed(entry.name));
    if (storage === null) return false;
    targets.push(storage);
  }
  targets.forEach((weights, i) => {
    const gradients = updates[i];
    if (weights !== null && gradients) kernel(weights, gradients, -learningRate);
  });
  (inner as unknown as CountsIterations).incrementIterations();
  return true;
}
