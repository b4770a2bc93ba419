import * as tf from '@tensorflow/tfjs';
import type { PaddedSequences } from './padding.js';
import { type PaddedStories, recencyIndices } from './stories.js';

/**
 * What `additiveMask` adds to a padded slot's logit. Finite, unlike −∞: a row with no real slot
 * then gives no NaN (−∞ − (−∞)), and `exp(MASKED_LOGIT − max)` still underflows to exactly 0 in
 * float32 for any logit a model produces.
 */
export const MASKED_LOGIT = -1e9;

/** `[batch, length]` tensors of a padded batch: int32 ids and the float mask. The caller owns them. */
export function sequenceTensors(padded: PaddedSequences): { ids: tf.Tensor2D; mask: tf.Tensor2D } {
  const shape: [number, number] = [padded.shape[0], padded.shape[1]];
  return { ids: tf.tensor2d(padded.ids, shape, 'int32'), mask: tf.tensor2d(padded.mask, shape, 'float32') };
}

/** The tensors of padded stories (shapes as in `PaddedStories`). The caller owns them. */
export interface StoryTensors {
  /** `[batch, sentences, words]` int32. */
  readonly ids: tf.Tensor3D;
  /** `[batch, sentences, words]`: 1 for a real word. */
  readonly wordMask: tf.Tensor3D;
  /** `[batch, sentences]`: 1 for a slot holding a sentence. */
  readonly sentenceMask: tf.Tensor2D;
  /** `[batch, sentences]` int32: `recencyIndices`, 1 for the newest sentence, 0 for empty slots. */
  readonly recency: tf.Tensor2D;
}

export function storyTensors(stories: PaddedStories): StoryTensors {
  const [batch, sentences, words] = stories.shape;
  return {
    ids: tf.tensor3d(stories.ids, [batch, sentences, words], 'int32'),
    wordMask: tf.tensor3d(stories.wordMask, [batch, sentences, words], 'float32'),
    sentenceMask: tf.tensor2d(stories.sentenceMask, [batch, sentences], 'float32'),
    recency: tf.tensor2d(recencyIndices(stories), [batch, sentences], 'int32'),
  };
}

/** `(mask − 1) · 1e9`: 0 where `mask` is 1, `MASKED_LOGIT` where it is 0; add it to logits. */
export function additiveMask<T extends tf.Tensor>(mask: T): T {
  return tf.tidy(() => tf.mul(tf.sub(mask, 1), -MASKED_LOGIT));
}

/**
 * Softmax over the last axis of `logits` in which padded slots (`mask` 0) get weight exactly 0 and
 * no gradient: attention over a padded memory. `mask` has `logits`' shape or broadcasts to it
 * (e.g. `[batch, sentences]` against `[batch, sentences]`). A row with no real slot gets all zeros,
 * not a uniform weight over padding.
 *
 * Under a linear start (attention without softmax), multiply the raw scores by `mask` instead.
 */
export function maskedSoftmax<T extends tf.Tensor>(logits: T, mask: tf.Tensor): T {
  return tf.tidy(() => tf.mul(tf.softmax(tf.add(logits, additiveMask(mask))), mask));
}
