import * as tf from '@tensorflow/tfjs';
import { type RunStreams, Stream } from '../../core/index.js';

/**
 * How a mask entry's uniform u ∈ [0, 1) decides its unit. Version-2 runs of every trainer drop a
 * unit when u < rate (tfjs's own `dropout` rule, `floor(1 - rate + u)`); version-1 `neural_gpu`
 * runs kept a unit when u < 1 - rate, which draws the complementary masks from the same stream.
 */
export type DropoutComparison = 'drop-if-below-rate' | 'keep-if-below-keep';

/**
 * Inverted dropout (Srivastava et al., 2014): `size` mask entries, each 0 with probability `rate`
 * and `1 / (1 - rate)` otherwise, so activations keep their expectation and evaluation needs no
 * rescaling. Entry i uses the i-th uniform of the stream `(Stream.dropout, step, layer)`: keyed by
 * step, a resumed session draws the same masks. Drawn in JavaScript rather than by
 * `tf.randomUniform`, so the masks do not depend on tfjs's generator or backend.
 */
export function dropoutMaskValues(
  streams: RunStreams,
  step: number,
  layer: number,
  size: number,
  rate: number,
  comparison: DropoutComparison = 'drop-if-below-rate',
): Float32Array {
  const stream = streams.stream(Stream.dropout, step, layer);
  const scale = 1 / (1 - rate);
  const keep = 1 - rate;
  const values = new Float32Array(size);
  if (comparison === 'drop-if-below-rate') {
    for (let i = 0; i < size; i += 1) values[i] = stream.uniform() < rate ? 0 : scale;
  } else {
    for (let i = 0; i < size; i += 1) values[i] = stream.uniform() < keep ? scale : 0;
  }
  return values;
}

/** {@link dropoutMaskValues} as a tensor of `shape`. */
export function dropoutMask(
  streams: RunStreams,
  step: number,
  layer: number,
  shape: readonly number[],
  rate: number,
  comparison?: DropoutComparison,
): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(dropoutMaskValues(streams, step, layer, size, rate, comparison), [...shape]);
}

/** `x` with dropout applied for `step` and `layer`; `x` itself when `rate` is 0. */
export function applyDropout(
  x: tf.Tensor2D,
  streams: RunStreams,
  step: number,
  layer: number,
  rate: number,
): tf.Tensor2D {
  if (rate === 0) return x;
  return tf.tidy(() => tf.mul(x, dropoutMask(streams, step, layer, x.shape, rate)) as tf.Tensor2D);
}
