import type { NeuralGpuKernels } from '../core/index.js';
import { directionalMismatch, values } from './finite-difference.js';

/**
 * The native addon's start-up check of its Neural GPU kernels (`native/neural_gpu.c`), beside the
 * dense-stack check (`native-check.ts`): on a tiny model (1 layer, 3 steps), the gradient along a
 * fixed pseudo-random direction must match a central finite difference of the addon's own loss,
 * the per-step tape must give the same gradient as the whole one, and the forward pass must predict
 * what the step predicted. A wrong or missing term of the backward pass, swapped operands or a
 * broken BLAS move the directional derivative far past the tolerance; float32 rounding and the
 * difference's truncation stay well within it. Costs well under a millisecond.
 */

/** batch, width, height, maps, layers, kernel width, kernel height, target width, symbols, classes. */
const SHAPE = Int32Array.of(2, 3, 2, 4, 1, 3, 3, 2, 5, 2);
const LENGTHS = [5 * 4, 36 * 4, 4, 36 * 4, 4, 36 * 4, 4, 4 * 2, 2] as const;
const CUTOFF = 1;
const STEP = 1e-2;
/** Largest |finite difference − gradient · direction|, relative to the larger of the two. */
const TOLERANCE = 1e-2;

/** Runs the check; throws with what disagreed. */
export function checkNeuralGpuKernels(kernels: NeuralGpuKernels): void {
  const params = LENGTHS.map((n, i) => values(n, i).map((v) => 2 * v));
  const inputs = Int32Array.of(1, 2, 4, 2, 1, 4);
  const targets = Int32Array.of(0, 1, 1, 1);
  const work = new Float32Array(kernels.neuralGpuWorkspaceLength(SHAPE, 'whole'));
  const step = (at: readonly Float32Array[], tape: 'step' | 'whole' = 'whole') => {
    const grads = LENGTHS.map((n) => new Float32Array(n));
    const predicted = new Float32Array(4);
    const space = tape === 'whole' ? work : new Float32Array(kernels.neuralGpuWorkspaceLength(SHAPE, 'step'));
    const loss = kernels.neuralGpuStep(SHAPE, CUTOFF, at, inputs, targets, [], grads, predicted, space);
    return { loss, grads, predicted };
  };
  const { grads, predicted } = step(params);
  const off = directionalMismatch(params, (at) => step(at), STEP);
  if (!(off <= TOLERANCE)) {
    throw new Error(
      `the native addon failed its Neural GPU check: gradient off its finite difference by ${off} ` +
        `(relative; allowed ${TOLERANCE})`,
    );
  }
  const recomputed = step(params, 'step');
  if (recomputed.grads.some((g, i) => g.some((v, j) => v !== grads[i]?.[j]))) {
    throw new Error('the native addon failed its Neural GPU check: the per-step tape changes the gradient');
  }
  const forward = new Float32Array(4);
  const space = new Float32Array(kernels.neuralGpuWorkspaceLength(SHAPE, 'none'));
  kernels.neuralGpuPredict(SHAPE, CUTOFF, params, inputs, forward, space);
  if (forward.some((v, i) => v !== predicted[i])) {
    throw new Error('the native addon failed its Neural GPU check: its forward pass predicts otherwise');
  }
}
