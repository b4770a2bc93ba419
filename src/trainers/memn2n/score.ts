import * as tf from '@tensorflow/tfjs';
import { type EncodedQuestion, type EncodedTask, memoryBatch } from './encode.js';
import type { MemN2NModel } from './model.js';

/** Questions per forward pass in evaluation. */
const EVAL_BATCH = 256;

/**
 * The scoring of a split (error rate and mean cross-entropy, paper §4.2) in batches of
 * {@link EVAL_BATCH} questions: each yields one tensor `[wrong answers, summed cross-entropy]`, so a
 * device backend reads once per batch. The caller reads each (synchronously or not) and passes it
 * to {@link addRead}, which disposes it.
 */
export function* scoreBatches(
  model: MemN2NModel,
  task: EncodedTask,
  memorySize: number,
  linear: boolean,
  questions: readonly EncodedQuestion[],
): Generator<tf.Tensor1D> {
  for (let start = 0; start < questions.length; start += EVAL_BATCH) {
    const batch = memoryBatch(questions.slice(start, start + EVAL_BATCH), memorySize, task.sentenceLength);
    yield tf.tidy(() => {
      const labels = tf.tensor1d(batch.answers, 'int32');
      const logits = model.logits(batch, linear);
      const oneHot = tf.oneHot(labels, task.vocabulary.size);
      return tf.stack([
        tf.sum(tf.notEqual(tf.argMax(logits, 1), labels).toFloat()),
        tf.losses.softmaxCrossEntropy(oneHot, logits, undefined, undefined, tf.Reduction.SUM),
      ]) as tf.Tensor1D;
    });
  }
}

/** Adds a batch's read `values` to `sums` (wrong answers, summed loss) and disposes the batch. */
export function addRead(sums: number[], batch: tf.Tensor, values: ArrayLike<number>): void {
  batch.dispose();
  sums[0] = (sums[0] ?? 0) + (values[0] ?? Number.NaN);
  sums[1] = (sums[1] ?? 0) + (values[1] ?? Number.NaN);
}

/** Error rate and mean loss over `questions` from the summed batches; zeros for an empty split. */
export function scoreOf(
  sums: readonly number[],
  questions: number,
): { readonly error: number; readonly loss: number } {
  if (questions === 0) return { error: 0, loss: 0 };
  return { error: (sums[0] ?? 0) / questions, loss: (sums[1] ?? 0) / questions };
}
