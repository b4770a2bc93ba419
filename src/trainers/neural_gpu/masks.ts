import * as tf from '@tensorflow/tfjs';
import type { RunStreams } from '../../core/index.js';
import type { BinaryBatch } from '../../data/tasks/index.js';
import { dropoutMaskValues } from '../shared/dropout.js';
import type { NeuralGpuConfig } from './config.js';

/**
 * One candidate-dropout multiplier per layer for training step `step` (stream `(dropout, step,
 * layer)`), each `[batch, width, height, maps]` row-major on the host, or null without dropout.
 * Version-1 runs keep this trainer's own comparison of before stream versions; version 2 uses the
 * shared one. The native step reads these arrays as they are; the tfjs step takes
 * {@link masksAsTensors} of them.
 */
export function candidateMaskValues(
  config: NeuralGpuConfig,
  streams: RunStreams,
  batch: BinaryBatch,
  step: number,
): Float32Array[] | null {
  const { dropoutRate, layers, height, maps } = config;
  if (dropoutRate === 0) return null;
  const size = batch.batchSize * batch.inputWidth * height * maps;
  const comparison = streams.version === 1 ? 'keep-if-below-keep' : 'drop-if-below-rate';
  return Array.from({ length: layers }, (_, layer) =>
    dropoutMaskValues(streams, step, layer, size, dropoutRate, comparison),
  );
}

/** `values` (from {@link candidateMaskValues}) as `[batch, width, height, maps]` tensors; the caller owns them. */
export function masksAsTensors(
  values: readonly Float32Array[] | null,
  config: NeuralGpuConfig,
  batch: BinaryBatch,
): tf.Tensor4D[] | null {
  if (values === null) return null;
  return values.map((v) => tf.tensor4d(v, [batch.batchSize, batch.inputWidth, config.height, config.maps]));
}
