import * as tf from '@tensorflow/tfjs';
import type { BinaryBatch } from '../../data/tasks/index.js';
import type { NoisyOptimizer } from '../../optim/index.js';
import { type BatchGradients, batchGradients, type LossHead } from './bptt.js';
import { stepReadout } from './head.js';
import type { NeuralGpuModel } from './model.js';

/**
 * One training batch through tfjs ops: `batchGradients` (checkpointed BPTT) with the candidate
 * `masks` (or null), the gradients handed to `optimizer` and disposed. Returns `[loss, ...predicted
 * digits]` on the device, owned by the caller; `masks` stay the caller's.
 */
export function trainBatchTfjs(
  model: NeuralGpuModel,
  batch: BinaryBatch,
  masks: readonly tf.Tensor4D[] | null,
  head: LossHead,
  optimizer: NoisyOptimizer,
): tf.Tensor1D {
  const inputs = tf.tensor2d(batch.inputs, [batch.batchSize, batch.inputWidth], 'int32');
  let result: BatchGradients;
  try {
    result = batchGradients(model, inputs, masks, head);
  } finally {
    inputs.dispose();
  }
  const { loss, predicted, gradients } = result;
  try {
    optimizer.applyGradients(gradients);
  } catch (error) {
    tf.dispose([loss, predicted]);
    throw error;
  } finally {
    tf.dispose(gradients.map(({ tensor }) => tensor));
  }
  return stepReadout(loss, predicted);
}

/** The values of a readout or prediction, read synchronously; a tensor is disposed. */
export function valuesSync(values: tf.Tensor | Float32Array): Float32Array | Int32Array | Uint8Array {
  if (values instanceof Float32Array) return values;
  try {
    return values.dataSync();
  } finally {
    values.dispose();
  }
}

/** {@link valuesSync} on any backend (`await data()`). */
export async function valuesAsync(
  values: tf.Tensor | Float32Array,
): Promise<Float32Array | Int32Array | Uint8Array> {
  if (values instanceof Float32Array) return values;
  try {
    return await values.data();
  } finally {
    values.dispose();
  }
}
