/** What a training workspace keeps for the backward pass (see `neuralGpuWorkspaceLength`). */
export type NeuralGpuTape = 'none' | 'step' | 'whole';

/**
 * The Neural GPU's whole unrolled model in one call (paper §4.5), as the `native` backend provides
 * it (its addon, `src/backend/native-kernels.ts`, extends this interface). The runtime hands it to a
 * trainer in `TrainerContext.neuralGpuKernels`; without it the `neural_gpu` trainer uses tfjs ops.
 *
 * `shape` is an Int32Array of 10 entries: batch, width (the input's
 * columns and the unrolled steps), height, maps, layers, kernel width, kernel height (both odd),
 * target width (the result columns, at most width), input symbols, classes. `params` and `grads`
 * list the trainer's variables in its `namedVariables` order: the embedding `[symbols, maps]`; per
 * layer the update, reset and candidate kernels `[kw, kh, maps, maps]` each followed by its bias
 * `[maps]`; the output kernel `[maps, classes]` and bias `[classes]`. Arrays are read and written
 * where they lie (views of a backend's memory included); a bad argument throws an error naming it.
 */
export interface NeuralGpuKernels {
  /**
   * Floats of workspace for `shape`: `none` for `neuralGpuPredict`; for `neuralGpuStep`, `whole` to
   * keep every step's activations from the forward pass, `step` (far less memory at long widths)
   * to keep one step's and recompute each step's forward pass before its backward pass, the same
   * results bit for bit at one more forward pass.
   */
  neuralGpuWorkspaceLength(shape: Int32Array, tape: NeuralGpuTape): number;
  /**
   * Loss and gradients of one batch: `inputs` `[batch, width]` symbols, `targets` `[batch,
   * targetWidth]` classes, `masks` empty or one `[batch, width, height, maps]` candidate multiplier
   * per layer. Writes every gradient into `grads` and the argmax digits into `predicted` `[batch,
   * targetWidth]`; returns the mean softmax cross-entropy over the target columns.
   */
  neuralGpuStep(
    shape: Int32Array,
    gateCutoff: number,
    params: readonly Float32Array[],
    inputs: Int32Array,
    targets: Int32Array,
    masks: readonly Float32Array[],
    grads: readonly Float32Array[],
    predicted: Float32Array,
    work: Float32Array,
  ): number;
  /** The argmax digits `[batch, targetWidth]` of `inputs` without dropout, into `predicted`. */
  neuralGpuPredict(
    shape: Int32Array,
    gateCutoff: number,
    params: readonly Float32Array[],
    inputs: Int32Array,
    predicted: Float32Array,
    work: Float32Array,
  ): void;
}
