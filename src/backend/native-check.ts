import { values } from './finite-difference.js';
import type { NativeKernels } from './native-kernels.js';

/**
 * The native addon's start-up check: one forward pass (`forward`) and one forward and backward pass
 * (`step`) of a small ReLU network through the addon, against the same passes in plain JavaScript
 * (float64). A build against a broken BLAS,
 * swapped operands or a wrong layout give gradients far off; float32 rounding stays well within
 * the tolerance. Costs well under a millisecond.
 */

const SIZES = [7, 5, 4, 3] as const;
const ROWS = 4;
/** Largest |native − reference| allowed, relative to the largest reference gradient. */
const TOLERANCE = 1e-4;

/** Forward and backward in float64: the gradients in the addon's layout, and the mean loss. */
function reference(
  params: readonly Float32Array[],
  x: Float32Array,
  labels: Float32Array,
): { grads: Float64Array[]; loss: number; logits: Float64Array } {
  const layers = SIZES.length - 1;
  const acts: Float64Array[] = [Float64Array.from(x)];
  for (let l = 0; l < layers; l += 1) {
    const [fanIn, fanOut] = [SIZES[l] as number, SIZES[l + 1] as number];
    const kernel = params[2 * l] as Float32Array;
    const bias = params[2 * l + 1] as Float32Array;
    const h = acts[l] as Float64Array;
    const z = new Float64Array(ROWS * fanOut);
    for (let r = 0; r < ROWS; r += 1) {
      for (let c = 0; c < fanOut; c += 1) {
        let sum = bias[c] as number;
        for (let k = 0; k < fanIn; k += 1)
          sum += (h[r * fanIn + k] as number) * (kernel[k * fanOut + c] as number);
        z[r * fanOut + c] = l + 1 < layers ? Math.max(0, sum) : sum;
      }
    }
    acts.push(z);
  }
  const classes = SIZES[layers] as number;
  const logits = acts[layers] as Float64Array;
  let dz = new Float64Array(ROWS * classes);
  let loss = 0;
  for (let r = 0; r < ROWS; r += 1) {
    const row = logits.subarray(r * classes, (r + 1) * classes);
    const top = Math.max(...row);
    const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v - top), 0)) + top;
    for (let c = 0; c < classes; c += 1) {
      const y = labels[r * classes + c] as number;
      loss -= y * ((row[c] as number) - logSum);
      dz[r * classes + c] = (Math.exp((row[c] as number) - logSum) - y) / ROWS;
    }
  }
  const grads: Float64Array[] = [];
  for (let l = layers - 1; l >= 0; l -= 1) {
    const [fanIn, fanOut] = [SIZES[l] as number, SIZES[l + 1] as number];
    const h = acts[l] as Float64Array;
    const kernel = params[2 * l] as Float32Array;
    const dKernel = new Float64Array(fanIn * fanOut);
    const dBias = new Float64Array(fanOut);
    const dh = new Float64Array(ROWS * fanIn);
    for (let r = 0; r < ROWS; r += 1) {
      for (let c = 0; c < fanOut; c += 1) {
        const g = dz[r * fanOut + c] as number;
        dBias[c] = (dBias[c] as number) + g;
        for (let k = 0; k < fanIn; k += 1) {
          dKernel[k * fanOut + c] = (dKernel[k * fanOut + c] as number) + (h[r * fanIn + k] as number) * g;
          dh[r * fanIn + k] = (dh[r * fanIn + k] as number) + g * (kernel[k * fanOut + c] as number);
        }
      }
    }
    grads[2 * l] = dKernel;
    grads[2 * l + 1] = dBias;
    dz = dh.map((v, i) => ((h[i] as number) > 0 ? v : 0));
  }
  return { grads, loss: loss / ROWS, logits };
}

/** Runs the check; throws with what disagreed. */
export function checkNativeKernels(kernels: NativeKernels): void {
  const sizes = Int32Array.from(SIZES);
  const params: Float32Array[] = [];
  for (let l = 0; l + 1 < SIZES.length; l += 1) {
    params.push(
      values((SIZES[l] as number) * (SIZES[l + 1] as number), 2 * l),
      values(SIZES[l + 1] as number, 2 * l + 1),
    );
  }
  const x = values(ROWS * SIZES[0], 99).map((v) => v + 0.5);
  const classes = SIZES[SIZES.length - 1] as number;
  const labels = new Float32Array(ROWS * classes);
  for (let r = 0; r < ROWS; r += 1) labels[r * classes + (r % classes)] = 1;
  const grads = params.map((p) => new Float32Array(p.length));
  const work = new Float32Array(kernels.workspaceLength(sizes, ROWS));
  const loss = kernels.step(sizes, params, x, labels, ROWS, grads, work);
  const expected = reference(params, x, labels);
  const logits = new Float32Array(ROWS * classes);
  kernels.forward(sizes, params, x, ROWS, logits, work);
  const logitScale = Math.max(1, ...[...expected.logits].map(Math.abs));
  const logitsOff = Math.max(
    ...logits.map((v, i) => Math.abs(v - (expected.logits[i] as number)) / logitScale),
  );
  if (!(logitsOff <= TOLERANCE)) {
    throw new Error(
      `the native addon failed its check: logits off by ${logitsOff} (relative; allowed ${TOLERANCE})`,
    );
  }
  const scale = Math.max(...expected.grads.flatMap((g) => [...g].map(Math.abs)));
  let worst = Math.abs(loss - expected.loss) / Math.max(1, Math.abs(expected.loss));
  grads.forEach((g, i) => {
    g.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - ((expected.grads[i] as Float64Array)[j] as number)) / scale);
    });
  });
  if (!(worst <= TOLERANCE)) {
    throw new Error(
      `the native addon failed its check: gradients off by ${worst} (relative; allowed ${TOLERANCE})`,
    );
  }
  const threads = kernels.blasThreads();
  if (threads !== 1) throw new Error(`the native addon runs OpenBLAS on ${threads} threads, expected 1`);
}
