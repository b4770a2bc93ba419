import { BINARY_INPUT_SYMBOLS, BINARY_OUTPUT_CLASSES } from '../../../../src/data/tasks/index.js';
import type { NeuralGpuConfig } from '../../../../src/trainers/neural_gpu/index.js';

/** The native addon's shape array for a batch of `config` (see `NeuralGpuKernels`). */
export function shapeOf(
  config: NeuralGpuConfig,
  batchSize: number,
  width: number,
  targetWidth: number,
): Int32Array {
  const { height, maps, layers, kernelWidth, kernelHeight } = config;
  return Int32Array.of(
    batchSize,
    width,
    height,
    maps,
    layers,
    kernelWidth,
    kernelHeight,
    targetWidth,
    BINARY_INPUT_SYMBOLS,
    BINARY_OUTPUT_CLASSES,
  );
}
