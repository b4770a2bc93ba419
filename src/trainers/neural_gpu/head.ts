import * as tf from '@tensorflow/tfjs';
import type { StreamVersion } from '../../core/index.js';
import type { BinaryBatch } from '../../data/tasks/index.js';
import { softmaxCrossEntropy } from '../shared/metrics.js';
import type { LossHead } from './bptt.js';

/**
 * The Neural GPU's output head for one batch (paper §4.5, Kaiser & Sutskever 2016): the result
 * digits are the first `targetWidth` columns of the readout; the loss is their mean cross-entropy
 * and the prediction their argmax, `[batch, targetWidth]`. Version-1 runs keep the log-softmax
 * formula they were recorded with; version 2 uses the fused one.
 */
export function digitHead(batch: BinaryBatch, version: StreamVersion): LossHead {
  const rows = batch.batchSize * batch.targetWidth;
  const formula = version === 1 ? 'log-softmax' : 'fused';
  const resultLogits = (logits: tf.Tensor3D): tf.Tensor2D =>
    tf.reshape(tf.slice(logits, [0, 0, 0], [batch.batchSize, batch.targetWidth, -1]), [rows, -1]);
  return {
    loss: (logits) =>
      tf.tidy(() => {
        const flat = resultLogits(logits);
        const labels = tf.oneHot(tf.tensor1d(batch.targets, 'int32'), flat.shape[1]) as tf.Tensor2D;
        return softmaxCrossEntropy(labels, flat, formula);
      }),
    predict: (logits) =>
      tf.tidy(() => tf.reshape(tf.argMax(resultLogits(logits), 1), [batch.batchSize, batch.targetWidth])),
  };
}

/** `batch` cut into consecutive chunks of at most `size` examples (views, nothing copied). */
export function* chunksOf(batch: BinaryBatch, size: number): Generator<BinaryBatch> {
  for (let start = 0; start < batch.batchSize; start += size) {
    const rows = Math.min(size, batch.batchSize - start);
    yield {
      ...batch,
      batchSize: rows,
      inputs: batch.inputs.subarray(start * batch.inputWidth, (start + rows) * batch.inputWidth),
      targets: batch.targets.subarray(start * batch.targetWidth, (start + rows) * batch.targetWidth),
    };
  }
}

/**
 * The values a training step reads back, in one tensor so a device backend reads once per step:
 * `[loss, ...predicted digits]`, the digits (0 or 1) exact in float32. Disposes `loss` and
 * `predicted`; the caller owns the result.
 */
export function stepReadout(loss: tf.Scalar, predicted: tf.Tensor): tf.Tensor1D {
  const readout = tf.tidy(
    () => tf.concat([tf.reshape(loss, [1]), tf.cast(tf.reshape(predicted, [-1]), 'float32')]) as tf.Tensor1D,
  );
  tf.dispose([loss, predicted]);
  return readout;
}
