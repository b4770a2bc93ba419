import type * as tf from '@tensorflow/tfjs';
import type { RunStreams } from '../../core/index.js';
import type { BinaryBatch } from '../../data/tasks/index.js';
import { dropoutMask } from '../shared/dropout.js';
import type { NeuralGpuConfig } from './config.js';

/**
 * One candidate-dropout multiplier per layer for training step `step` (stream `(dropout, step,
 * layer)`), or null without dropout. Version-1 runs keep this trainer's own comparison of before
 * stream versions; version 2 uses the shared one.
 */
export function candidateMasks(
  config: NeuralGpuConfig,
  streams: RunStreams,
  batch: BinaryBatch,
  step: number,
): tf.Tensor4D[] | null {
  const { dropoutRate, layers, height, maps } = config;
  if (dropoutRate === 0) return null;
  const shape = [batch.batchSize, batch.inputWidth, height, maps];
  const comparison = streams.version === 1 ? 'keep-if-below-keep' : 'drop-if-below-rate';
  return Array.from(
    { length: layers },
    (_, layer) => dropoutMask(streams, step, layer, shape, dropoutRate, comparison) as tf.Tensor4D,
  );
}
