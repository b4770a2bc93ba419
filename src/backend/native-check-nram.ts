import type { NramKernels } from '../core/index.js';
import { directionalMismatch, values } from './finite-difference.js';

/**
 * The native addon's start-up check of its NRAM kernels (`native/nram.c`), beside the dense-stack
 * and Neural GPU checks: on a tiny machine (M = 5, R = 2, T = 3, an LSTM of 3 units, the entropy
 * bonus on), the gradient along a fixed pseudo-random direction must match a central finite
 * difference of the addon's own objective, and the forward-only pass must give the same objective
 * and answers as the training pass. Costs well under a millisecond.
 */

/** batch, memory size, registers, timesteps, controller (LSTM), hidden size. */
const SHAPE = Int32Array.of(2, 5, 2, 3, 1, 3);
/** The LSTM kernel [R + H, 4H] and bias, the output kernel [H, outputs] and bias; outputs(R = 2) = 259. */
const LENGTHS = [5 * 12, 12, 3 * 259, 259] as const;
const MEMORY = Int32Array.of(3, 1, 0, 0, 4, 3, 0, 0, 2, 1);
const TARGETS = Int32Array.of(4, 2);
const BONUS = 0.1;
const STEP = 1e-2;
const TOLERANCE = 1e-2;

/** Runs the check; throws with what disagreed. */
export function checkNramKernels(kernels: NramKernels): void {
  const params = LENGTHS.map((n, i) => values(n, 20 + i).map((v) => 2 * v));
  const work = new Float32Array(kernels.nramWorkspaceLength(SHAPE));
  const answers = new Int32Array(2);
  const losses = new Float32Array(2);
  const step = (at: readonly Float32Array[]) => {
    const grads = LENGTHS.map((n) => new Float32Array(n));
    const loss = kernels.nramRun(SHAPE, at, MEMORY, TARGETS, BONUS, grads, answers, losses, work);
    return { loss, grads };
  };
  const off = directionalMismatch(params, step, STEP);
  if (!(off <= TOLERANCE)) {
    throw new Error(
      `the native addon failed its NRAM check: gradient off its finite difference by ${off} ` +
        `(relative; allowed ${TOLERANCE})`,
    );
  }
  const trained = { loss: step(params).loss, answers: Int32Array.from(answers) };
  const forward = kernels.nramRun(SHAPE, params, MEMORY, TARGETS, BONUS, [], answers, losses, work);
  if (forward !== trained.loss || answers.some((v, i) => v !== trained.answers[i])) {
    throw new Error('the native addon failed its NRAM check: its forward pass scores otherwise');
  }
}
