import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  additiveMask,
  maskedSoftmax,
  padSequences,
  padStories,
  sequenceTensors,
  storyTensors,
} from '../../../../src/trainers/shared/sequence/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('masks as tensors', () => {
  it('builds tensors of the padded shapes, owned by the caller', () => {
    const before = tf.memory().numTensors;
    const seq = sequenceTensors(padSequences([[3, 4], [5]]));
    expect(seq.ids.shape).toEqual([2, 2]);
    expect(seq.ids.dtype).toBe('int32');
    expect(Array.from(seq.mask.dataSync())).toEqual([1, 1, 1, 0]);
    const story = storyTensors(padStories([[[1], [2, 3]], [[4]]]));
    expect(story.ids.shape).toEqual([2, 2, 2]);
    expect(story.wordMask.shape).toEqual([2, 2, 2]);
    expect(story.sentenceMask.shape).toEqual([2, 2]);
    expect(Array.from(story.recency.dataSync())).toEqual([2, 1, 1, 0]);
    expect(tf.memory().numTensors).toBe(before + 6);
    tf.dispose([seq.ids, seq.mask, story.ids, story.wordMask, story.sentenceMask, story.recency]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('additiveMask is 0 on real slots and a huge negative on padding', () => {
    const mask = tf.tensor2d([1, 0, 1, 0], [2, 2]);
    const additive = additiveMask(mask);
    expect(Array.from(additive.dataSync())).toEqual([0, -1e9, 0, -1e9]);
    tf.dispose([mask, additive]);
  });

  it('maskedSoftmax gives padded slots exactly zero weight and zero gradient', () => {
    const logits = tf.tensor2d([2, 50, -1, 30, 0.5, 7, 1, 1, 1], [3, 3]);
    const mask = tf.tensor2d([1, 0, 1, 1, 1, 0, 0, 0, 0], [3, 3]);
    const before = tf.memory().numTensors;
    const weights = maskedSoftmax(logits, mask);
    const w = Array.from(weights.dataSync());
    expect([w[1], w[5]]).toEqual([0, 0]);
    expect((w[0] as number) + (w[2] as number)).toBeCloseTo(1, 6);
    expect(w[0]).toBeCloseTo(Math.exp(2) / (Math.exp(2) + Math.exp(-1)), 6);
    expect(w.slice(6)).toEqual([0, 0, 0]); // no real slot: no weight at all, and no NaN
    const grad = tf.grad((x: tf.Tensor) =>
      tf.sum(tf.mul(maskedSoftmax(x, mask), tf.linspace(1, 9, 9).reshape([3, 3]))),
    )(logits);
    const g = Array.from(grad.dataSync());
    expect([g[1], g[5], g[6], g[7], g[8]]).toEqual([0, 0, 0, 0, 0]);
    expect(g[0]).not.toBe(0);
    tf.dispose([weights, grad]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logits, mask]);
  });

  it('maskedSoftmax broadcasts a lower-rank mask, trailing axes aligned', () => {
    const logits = tf.zeros([2, 2, 3]);
    const mask = tf.tensor2d([1, 1, 0, 1, 0, 0], [2, 3]);
    const weights = maskedSoftmax(logits, mask);
    expect(Array.from(weights.dataSync())).toEqual([0.5, 0.5, 0, 1, 0, 0, 0.5, 0.5, 0, 1, 0, 0]);
    tf.dispose([logits, mask, weights]);
  });
});
