import * as tf from '@tensorflow/tfjs';
import type { LabeledSet } from '../../data/index.js';

/** Mean softmax cross-entropy of `logits` against one-hot `labels` (a scalar, differentiable). */
export function softmaxCrossEntropy(labels: tf.Tensor2D, logits: tf.Tensor2D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(labels, logits);
}

/** Accuracy and mean loss of a classifier over a whole split. */
export interface ClassifierScore {
  readonly accuracy: number;
  readonly loss: number;
}

/**
 * Scores `logits` on every sample of `set` in batches of `batchSize` rows, each uploaded and
 * evaluated inside `tf.tidy`. The running sums stay on the backend and are read once at the end,
 * so the cost is one download per split rather than one per batch.
 */
export async function scoreClassifier(
  logits: (x: tf.Tensor2D) => tf.Tensor2D,
  set: LabeledSet,
  classes: number,
  batchSize: number,
): Promise<ClassifierScore> {
  const { count: n, features } = set;
  let totals = tf.zeros([2]);
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const previous = totals;
    totals = tf.tidy(() => {
      const x = tf.tensor2d(set.inputs.slice(start * features, (start + count) * features), [
        count,
        features,
      ]);
      const labels = tf.tensor1d(Int32Array.from(set.labels.subarray(start, start + count)), 'int32');
      const out = logits(x);
      const lossSum = tf.losses.softmaxCrossEntropy(
        tf.oneHot(labels, classes),
        out,
        undefined,
        undefined,
        tf.Reduction.SUM,
      );
      const correct = tf.equal(tf.argMax(out, 1), labels).sum();
      return previous.add(tf.stack([correct.cast('float32'), lossSum]));
    });
    previous.dispose();
  }
  const [correct, lossSum] = await totals.data();
  totals.dispose();
  return { accuracy: (correct ?? 0) / n, loss: (lossSum ?? 0) / n };
}
