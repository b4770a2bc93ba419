import * as tf from '@tensorflow/tfjs';
import { addMany } from './add-many.js';
import type { GradientEntry } from './gradients.js';
import { variableNamed } from './gradients.js';
import type { NoisePipeline } from './host-step.js';
import type { NoiseState } from './noise.js';
import type { ClipOptions } from './options.js';
import { addScaledNormalsPhiloxOnDevice, philoxOnDevice } from './philox-webgpu.js';
import { exportOptimizerSlots, importOptimizerSlots, type NamedTensor } from './slots.js';
import type { GradientTransformation, HostTensors } from './transform.js';

/**
 * The noisy optimizer's step on a backend that keeps tensors on a device it cannot read
 * synchronously: `webgpu` in Node has no `dataSync` (tfjs reads a GPU buffer synchronously only
 * through a browser canvas). The gradients never come to the host; the step is the host path's
 * pipeline (`host-step.ts`) in tensor ops:
 *
 *   1. the global norm ‖g‖ is reduced on the device and kept, to be read after the step;
 *   2. clipping by value, by tensor norm and by global norm as tensor ops, with the same bounds;
 *   3. the noise: the same unit normals as the host path, from the same generator and keys
 *      (seed, step, tensor key). With `philox` on `webgpu` they are drawn on the device by the WGSL
 *      twin of the wasm kernel (`philox-webgpu.ts`) and added there: nothing is uploaded but the
 *      key. The other generators are sequential streams: drawn on the host (they do not depend on
 *      the gradient), scaled by σ_t and uploaded, then added on the device;
 *   4. the inner optimizer's update (or, with `target: 'weight'`, the noise added to the weights
 *      after it).
 *
 * Skipping a non-finite step cannot be decided before the update without a read, so it is decided
 * after: before the update the inner optimizer's slots and the weights are kept (tfjs clones share
 * storage, so this copies nothing), and {@link settleDeviceStep}, once it has read the norm, puts
 * them back when it is not finite. The result is the host path's: a skipped step leaves weights,
 * slots and the noise step as they were and counts one skip. One difference: the norm is summed in
 * float32 on the device (in float64 on the host), so a gradient whose sum of squares overflows
 * float32 (elements beyond about 1e19) counts as non-finite here.
 */

/** A device step whose norm has not been read yet. Owns every tensor in it. */
export interface PendingDeviceStep {
  /** ‖g‖ of the raw gradient, a scalar on the device. */
  readonly norm: tf.Scalar;
  /** σ_t of the step's noise. */
  readonly std: number;
  /** The inner optimizer's state before the update (`exportOptimizerSlots`). */
  readonly slots: NamedTensor[];
  /** The weights before the update, of every variable that had a gradient. */
  readonly weights: readonly { readonly variable: tf.Variable; readonly saved: tf.Tensor }[];
}

function sumOfSquares(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tensors.length === 0
    ? tf.scalar(0)
    : (addMany(tensors.map((t) => tf.sum(tf.square(t)))) as tf.Scalar);
}

/** `factor` where `norm > max`, else 1: the scale of a norm clip (a NaN norm gives 1). */
function clipScale(norm: tf.Scalar, max: number): tf.Scalar {
  return tf.where(tf.greater(norm, max), tf.div(max, norm), tf.scalar(1)) as tf.Scalar;
}

/** Step 2: the host chain's clipping, on the device. Returns new tensors (inside the caller's tidy). */
function clip(gradients: readonly tf.Tensor[], bounds: ClipOptions): tf.Tensor[] {
  let out = [...gradients];
  const { byValue, byTensorNorm, byGlobalNorm } = bounds;
  if (byValue !== undefined) out = out.map((g) => tf.clipByValue(g, -byValue, byValue));
  if (byTensorNorm !== undefined) {
    out = out.map((g) => tf.mul(g, clipScale(tf.sqrt(tf.sum(tf.square(g))) as tf.Scalar, byTensorNorm)));
  }
  if (byGlobalNorm !== undefined) {
    const scale = clipScale(tf.sqrt(sumOfSquares(out)) as tf.Scalar, byGlobalNorm);
    out = out.map((g) => tf.mul(g, scale));
  }
  return out;
}

/**
 * σ_t × the unit normals of the noise transformation's update at `state` for tensors of `shapes`,
 * drawn on the host into zeroed arrays (so each holds exactly the noise), and its next state.
 */
export function hostNoise(
  noise: GradientTransformation<NoiseState>,
  shapes: readonly (readonly number[] | null)[],
  state: NoiseState,
): { readonly values: HostTensors; readonly state: NoiseState } {
  const zeros = shapes.map((s) => (s === null ? null : new Float32Array(s.reduce((a, b) => a * b, 1))));
  const result = noise.update(
    zeros,
    state,
    undefined,
    zeros.map((z) => z !== null),
  );
  return { values: result.updates, state: result.state };
}

export interface DeviceStepInput {
  readonly inner: tf.Optimizer;
  readonly entries: readonly GradientEntry[];
  /**
   * The host path's transformations and options: its clip bounds, target and generator (`philox`
   * is drawn on the device where the backend can), and its noise transformation and tensor keys.
   */
  readonly pipeline: NoisePipeline;
  readonly noiseState: NoiseState;
  readonly std: number;
}

/**
 * Steps 1–4 on the device. Returns the pending step (to settle before the next one) and the noise
 * transformation's next state.
 */
export function stepOnDevice(input: DeviceStepInput): { pending: PendingDeviceStep; noiseState: NoiseState } {
  const { inner, entries, std, pipeline } = input;
  const { target } = pipeline.options;
  const present = entries.filter((e): e is GradientEntry & { tensor: tf.Tensor } => e.tensor !== null);
  // Kept: trainers call minimize inside their own tf.tidy, which would dispose them at its end.
  const norm = tf.keep(tf.tidy(() => tf.sqrt(sumOfSquares(present.map((e) => e.tensor))) as tf.Scalar));
  const slots = exportOptimizerSlots(inner).map((s) => ({ name: s.name, tensor: tf.keep(s.tensor) }));
  const weights = present.map((e) => {
    const variable = variableNamed(e.name);
    return { variable, saved: tf.keep(tf.clone(variable)) };
  });
  const onDevice = pipeline.options.generator === 'philox' && philoxOnDevice();
  // On the device path the host draws nothing: all-null updates only advance the noise state.
  const shapes = entries.map((e) => (e.tensor === null || std === 0 || onDevice ? null : e.tensor.shape));
  const drawn = hostNoise(pipeline.noise, shapes, input.noiseState);
  const { seed, step } = input.noiseState;
  /** t + σ_t z, z the noise of the tensor at position i (t unchanged where there is none). */
  const noisy = (t: tf.Tensor, i: number): tf.Tensor => {
    if (onDevice) {
      return std === 0
        ? t
        : addScaledNormalsPhiloxOnDevice(t, std, { seed, step, index: pipeline.tensorKey(i) });
    }
    const n = drawn.values[i];
    return n === null || n === undefined ? t : tf.add(t, tf.tensor(n, t.shape, 'float32'));
  };
  tf.tidy(() => {
    const clipped = clip(
      present.map((e) => e.tensor),
      pipeline.options.clip,
    );
    const byName = new Map(present.map((e, i) => [e.name, clipped[i] as tf.Tensor]));
    inner.applyGradients(
      entries.map((e, i) => {
        const g = byName.get(e.name);
        // A missing gradient stays missing: tfjs's optimizers skip it but keep its slot index.
        if (e.tensor === null || g === undefined)
          return { name: e.name, tensor: null as unknown as tf.Tensor };
        return { name: e.name, tensor: target === 'gradient' ? noisy(g, i) : g };
      }),
    );
    if (target === 'weight') {
      entries.forEach((e, i) => {
        if (e.tensor === null) return;
        const v = variableNamed(e.name);
        const next = noisy(v, i);
        if (next !== v) v.assign(next);
      });
    }
  });
  return { pending: { norm, std, slots, weights }, noiseState: drawn.state };
}

/** What {@link settleDeviceStep} found: the raw gradient's norm, and whether the step was undone. */
export interface SettledDeviceStep {
  readonly norm: number;
  readonly skipped: boolean;
}

/**
 * Reads the pending step's norm; when it is not finite, puts the inner optimizer's state and the
 * weights back as they were before the step. Disposes the pending step's tensors either way.
 */
export async function settleDeviceStep(
  inner: tf.Optimizer,
  pending: PendingDeviceStep,
): Promise<SettledDeviceStep> {
  try {
    const norm = (await pending.norm.data())[0] ?? Number.NaN;
    if (Number.isFinite(norm)) return { norm, skipped: false };
    importOptimizerSlots(inner, pending.slots);
    for (const { variable, saved } of pending.weights) variable.assign(saved);
    return { norm, skipped: true };
  } finally {
    disposeDeviceStep(pending);
  }
}

/** Disposes every tensor a pending step owns (when it is settled, or dropped unsettled). */
export function disposeDeviceStep(pending: PendingDeviceStep): void {
  tf.dispose([pending.norm, ...pending.slots.map((s) => s.tensor), ...pending.weights.map((w) => w.saved)]);
}
