/**
 * Fused kernels for a dense ReLU stack, as the `native` backend provides them (its addon,
 * `src/backend/native-kernels.ts`, extends this interface). The runtime hands them to a trainer
 * in `TrainerContext.denseKernels`; a trainer without them uses tfjs ops.
 *
 * Layout: `sizes` lists the units per layer, inputs first; `params` and `grads` list kernel 0
 * (`[sizes[0], sizes[1]]`, row-major), bias 0, kernel 1, bias 1, …; every layer but the last has a
 * ReLU, and the last gives logits scored with the mean softmax cross-entropy against one-hot labels.
 * Arrays are read and written where they lie (views of a backend's memory included).
 */
export interface DenseStackKernels {
  /** Floats of workspace `forward` and `step` need for `rows` rows. */
  workspaceLength(sizes: Int32Array, rows: number): number;
  /** The logits of `rows` rows of `x` into `logits` (rows × the last size). */
  forward(
    sizes: Int32Array,
    params: readonly Float32Array[],
    x: Float32Array,
    rows: number,
    logits: Float32Array,
    work: Float32Array,
  ): void;
  /** Forward and backward of `rows` rows: writes every gradient into `grads`, returns the mean loss. */
  step(
    sizes: Int32Array,
    params: readonly Float32Array[],
    x: Float32Array,
    labels: Float32Array,
    rows: number,
    grads: readonly Float32Array[],
    work: Float32Array,
  ): number;
  /** `weights += factor · gradients`, elementwise in float32. */
  sgd(weights: Float32Array, gradients: Float32Array, factor: number): void;
}
