/** The addon's functions (see `native/gradnoise_native.c`). */
export interface NativeKernels {
  /** Floats of workspace `forward` and `step` need for `rows` rows of the network `sizes`. */
  workspaceLength(sizes: Int32Array, rows: number): number;
  /** Logits of `x` (rows × sizes[0]) into `logits`; `params` lists kernel 0, bias 0, kernel 1, … */
  forward(
    sizes: Int32Array,
    params: readonly Float32Array[],
    x: Float32Array,
    rows: number,
    logits: Float32Array,
    work: Float32Array,
  ): void;
  /**
   * Forward and backward with the mean softmax cross-entropy against one-hot `labels`: writes the
   * gradient of every parameter into `grads` (same layout as `params`) and returns the loss.
   */
  step(
    sizes: Int32Array,
    params: readonly Float32Array[],
    x: Float32Array,
    labels: Float32Array,
    rows: number,
    grads: readonly Float32Array[],
    work: Float32Array,
  ): number;
  /** `weights += factor · gradients` in float32 (SGD with factor = −learning rate). */
  sgd(weights: Float32Array, gradients: Float32Array, factor: number): void;
  /**
   * OpenBLAS's build line and the kernels it chose for this CPU (`openblas_get_config`,
   * `openblas_get_corename`), e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH … ; core Haswell`.
   */
  blasConfig(): string;
  /** OpenBLAS's thread count (1 once the addon has loaded). */
  blasThreads(): number;
}
