import * as tf from '@tensorflow/tfjs';
import type { EncodedBatch } from './encode.js';
import type { Answers } from './model.js';

/**
 * Lookup probabilities are clipped into [ε, 1 − ε] before the logarithms: a hard zero (an
 * unselected row, an all-zero print) would give log(0) = −∞ and a NaN gradient. ε is the
 * smallest power of ten whose 1 − ε float32 still tells apart from 1.
 */
export const LOOKUP_EPSILON = 1e-6;

/**
 * The Huber loss of error `e`: e²/2 within δ, δ(|e| − δ/2) beyond (gradient bounded by δ). Written
 * as `q²/2 + δ(|e| − q)` with `q = min(|e|, δ)`: the same function, from ops tfjs differentiates.
 */
export function huber(error: tf.Tensor1D, delta: number): tf.Tensor1D {
  return tf.tidy(() => {
    const abs = tf.abs(error);
    const q = tf.minimum(abs, delta);
    return tf.add(tf.mul(0.5, tf.square(q)), tf.mul(delta, tf.sub(abs, q))) as tf.Tensor1D;
  });
}

/**
 * The training loss of Neelakantan et al. 2016 (§2.5): per question, the Huber loss of the scalar
 * answer for a scalar question, or λ times the mean log-loss over the table's real cells of the
 * lookup answer for a lookup question; the batch mean of those.
 */
export function programLoss(answers: Answers, batch: EncodedBatch, delta: number, lambda: number): tf.Scalar {
  return tf.tidy(() => {
    const { size: B, rows: R, columns: C } = batch;
    const isLookup = tf.tensor1d(batch.isLookup);
    const scalarLoss = huber(tf.sub(answers.scalar, tf.tensor1d(batch.scalar)) as tf.Tensor1D, delta);
    const target = tf.tensor3d(batch.lookup, [B, R, C]);
    const p = tf.clipByValue(answers.lookup, LOOKUP_EPSILON, 1 - LOOKUP_EPSILON);
    const cellLoss = tf.neg(
      tf.add(tf.mul(target, tf.log(p)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, p)))),
    );
    const rowMask = tf.tensor2d(batch.rowMask, [B, R]);
    const cells = tf.mul(tf.sum(rowMask, 1), C);
    const lookupLoss = tf.div(tf.sum(tf.mul(cellLoss, tf.expandDims(rowMask, 2)), [1, 2]), cells);
    const perQuestion = tf.add(
      tf.mul(tf.sub(1, isLookup), scalarLoss),
      tf.mul(isLookup, tf.mul(lambda, lookupLoss)),
    );
    return tf.mean(perQuestion) as tf.Scalar;
  });
}

/**
 * Which questions the (hard) answers get right: a scalar question when the scalar answer is within
 * 0.5 of the integer answer, a lookup question when the cells above 0.5 are exactly the answer's.
 */
export function correctAnswers(
  answers: { readonly scalar: ArrayLike<number>; readonly lookup: ArrayLike<number> },
  batch: EncodedBatch,
): boolean[] {
  const { scalar, lookup } = answers;
  const { rows: R, columns: C } = batch;
  return Array.from({ length: batch.size }, (_, b) => {
    if (batch.isLookup[b] === 0) return Math.abs((scalar[b] as number) - (batch.scalar[b] as number)) < 0.5;
    for (let i = b * R * C; i < (b + 1) * R * C; i += 1) {
      if ((lookup[i] as number) > 0.5 !== (batch.lookup[i] === 1)) return false;
    }
    return true;
  });
}
