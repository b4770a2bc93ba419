import * as tf from '@tensorflow/tfjs';
import type { LayersLoss } from './config.js';

/**
 * The losses and metrics of the `layers` trainer, as Keras (tf.keras 2.15) computes them, so a
 * number here means what it means in a Keras log:
 * - probabilities are clipped to [ε, 1 − ε] with ε = 1e-7 before a logarithm (Keras' epsilon);
 *   categorical cross-entropy first rescales them to sum to one;
 * - with `fromLogits`, the softmax / sigmoid is folded into the loss in its stable form;
 * - every loss is the mean over the batch (and over all positions of an output of higher rank).
 *
 * `y` is the target as the data holds it: class indices for sparse cross-entropy (shape of the
 * output without its last axis), else the output's shape.
 */

const EPSILON = 1e-7;

/** The one-hot (or as-is) target over the output's last axis, as float32. */
export function denseTarget(loss: LayersLoss, y: tf.Tensor, classes: number): tf.Tensor {
  return loss === 'sparse_categorical_crossentropy' ? tf.oneHot(tf.cast(y, 'int32'), classes).toFloat() : y;
}

/** The mean loss of a batch. */
export function lossOf(loss: LayersLoss, fromLogits: boolean, y: tf.Tensor, output: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(perSample(loss, fromLogits, y, output)) as tf.Scalar);
}

/** The loss of each sample (for sums across evaluation batches). */
export function perSample(loss: LayersLoss, fromLogits: boolean, y: tf.Tensor, output: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const classes = output.shape.at(-1) as number;
    const target = denseTarget(loss, y, classes);
    switch (loss) {
      case 'sparse_categorical_crossentropy':
      case 'categorical_crossentropy': {
        const logP = fromLogits
          ? tf.logSoftmax(output)
          : tf.log(tf.clipByValue(tf.div(output, tf.sum(output, -1, true)), EPSILON, 1 - EPSILON));
        return meanOverSample(tf.neg(tf.sum(tf.mul(target, logP), -1)));
      }
      case 'binary_crossentropy': {
        if (fromLogits) {
          // max(z, 0) − z·y + log(1 + e^(−|z|)): sigmoid cross-entropy without overflow.
          const z = output;
          return meanOverSample(
            tf.add(tf.sub(tf.relu(z), tf.mul(z, target)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))),
          );
        }
        const p = tf.clipByValue(output, EPSILON, 1 - EPSILON);
        const one = tf.scalar(1);
        return meanOverSample(
          tf.neg(tf.add(tf.mul(target, tf.log(p)), tf.mul(tf.sub(one, target), tf.log(tf.sub(one, p))))),
        );
      }
      case 'mean_squared_error':
        return meanOverSample(tf.square(tf.sub(output, target)));
    }
  });
}

/** Mean over every axis but the batch. */
function meanOverSample(t: tf.Tensor): tf.Tensor {
  return t.rank <= 1
    ? t
    : tf.mean(
        t,
        Array.from({ length: t.rank - 1 }, (_, i) => i + 1),
      );
}

/** The output as probabilities: softmax / sigmoid applied when the model emits logits. */
export function probabilities(loss: LayersLoss, fromLogits: boolean, output: tf.Tensor): tf.Tensor {
  if (!fromLogits) return output;
  return loss === 'binary_crossentropy' ? tf.sigmoid(output) : tf.softmax(output);
}

/**
 * Correct predictions of each sample, averaged over its positions, as Keras' `accuracy` metric
 * resolves for the loss: sparse and categorical compare the argmax; binary thresholds each output
 * at 0.5; MSE uses binary accuracy for one output unit, else categorical.
 */
export function accuracyPerSample(loss: LayersLoss, y: tf.Tensor, probs: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const classes = probs.shape.at(-1) as number;
    const binary = loss === 'binary_crossentropy' || (loss === 'mean_squared_error' && classes === 1);
    if (binary) {
      const hit = tf.equal(tf.greater(probs, 0.5), tf.greater(y.reshape(probs.shape), 0.5));
      return meanOverSample(tf.cast(hit, 'float32'));
    }
    const predicted = tf.argMax(probs, -1);
    const actual =
      loss === 'sparse_categorical_crossentropy'
        ? tf.cast(y, 'int32').reshape(predicted.shape)
        : tf.argMax(y, -1);
    return meanOverSample(tf.cast(tf.equal(predicted, actual), 'float32'));
  });
}

/** Squared error of each sample between the probabilities and the (one-hot) target, averaged over its elements. */
export function msePerSample(loss: LayersLoss, y: tf.Tensor, probs: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const target = denseTarget(loss, y, probs.shape.at(-1) as number);
    return meanOverSample(tf.square(tf.sub(probs, target.reshape(probs.shape))));
  });
}
