import type { DenseStackKernels, NeuralGpuKernels, NramKernels } from '../core/index.js';

/**
 * The addon's functions (see `native/gradnoise_native.c`): the dense-stack kernels, the Neural GPU's,
 * the NRAM's and OpenBLAS's facts.
 */
export interface NativeKernels extends DenseStackKernels, NeuralGpuKernels, NramKernels {
  /**
   * OpenBLAS's build line and the kernels it chose for this CPU (`openblas_get_config`,
   * `openblas_get_corename`), e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH … ; core Haswell`.
   */
  blasConfig(): string;
  /** OpenBLAS's thread count (1 once the addon has loaded). */
  blasThreads(): number;
}
