import * as tf from '@tensorflow/tfjs';
import type { LabeledSet } from '../../data/index.js';

/**
 * How {@link softmaxCrossEntropy} is computed. `fused` is tfjs's `losses.softmaxCrossEntropy`, whose
 * gradient is `softmax − labels` in one step; it is every trainer's loss from stream version 2.
 * `log-softmax` is `−mean(Σ labels ⊙ logSoftmax(logits))` differentiated op by op, the loss of
 * version-1 `neural_gpu` runs: the same value up to rounding, other bits, kept for their replay.
 */
export type CrossEntropyFormula = 'fused' | 'log-softmax';

/** Mean over rows of the softmax cross-entropy of `logits` against one-hot `labels` (differentiable). */
export function softmaxCrossEntropy(
  labels: tf.Tensor2D,
  logits: tf.Tensor2D,
  formula: CrossEntropyFormula = 'fused',
): tf.Scalar {
  if (formula === 'fused') return tf.losses.softmaxCrossEntropy(labels, logits);
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1))) as tf.Scalar);
}

/** Accuracy and mean loss of a classifier over a whole split. */
export interface ClassifierScore {
  readonly accuracy: number;
  readonly loss: number;
}

/**
 * A classifier's evaluation metrics from its two splits' scores: `train_accuracy`, `train_loss`,
 * `test_accuracy`, `test_loss`, the names every classifier session reports, on any backend.
 */
export function splitMetrics(train: ClassifierScore, test: ClassifierScore): Record<string, number> {
  return {
    train_accuracy: train.accuracy,
    train_loss: train.loss,
    test_accuracy: test.accuracy,
    test_loss: test.loss,
  };
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
