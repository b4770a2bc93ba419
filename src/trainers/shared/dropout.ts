import * as tf from '@tensorflow/tfjs';
import { rng, Stream } from '../../core/index.js';

/**
 * Inverted dropout (Srivastava et al., 2014) with masks keyed by (seed, step, layer): entries are 0
 * with probability `rate` and `1 / (1 - rate)` otherwise, so activations keep their expectation and
 * evaluation needs no rescaling. Keying by step makes a resumed session draw the same masks.
 *
 * The mask is drawn in JavaScript from the trainer's own stream rather than by `tf.randomUniform`,
 * so it does not depend on tfjs's generator or backend.
 */
export function dropoutMask(
  seed: number,
  step: number,
  layer: number,
  shape: [number, number],
  rate: number,
): tf.Tensor2D {
  const stream = rng([seed, Stream.dropout, step, layer]);
  const keep = 1 / (1 - rate);
  const values = new Float32Array(shape[0] * shape[1]);
  for (let i = 0; i < values.length; i += 1) values[i] = stream.uniform() < rate ? 0 : keep;
  return tf.tensor2d(values, shape);
}

/** `x` with dropout applied for `step` and `layer`; `x` itself when `rate` is 0. */
export function applyDropout(
  x: tf.Tensor2D,
  seed: number,
  step: number,
  layer: number,
  rate: number,
): tf.Tensor2D {
  if (rate === 0) return x;
  return tf.tidy(() => tf.mul(x, dropoutMask(seed, step, layer, [x.shape[0], x.shape[1]], rate)));
}
