import * as tf from '@tensorflow/tfjs';

/**
 * Matrix products whose gradients avoid transposed products. tfjs differentiates `a b` into
 * `dy bᵀ` and `aᵀ dy` through the transpose flags of its matMul kernel, and on the wasm backend a
 * transposed or batched product leaves XNNPACK for a naive loop several times slower than a
 * plain 2-D product. Here the gradient transposes explicitly (a cheap copy) and multiplies plainly.
 */

/** `a b` for 2-D `a` `[n, k]` and `b` `[k, m]`, differentiable in both. */
export function product(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return PRODUCT(a, b) as tf.Tensor2D;
}

const PRODUCT = tf.customGrad((a, b, save) => {
  const [x, y] = [a as tf.Tensor2D, b as tf.Tensor2D];
  (save as tf.GradSaveFunc)([x, y]);
  return {
    value: tf.matMul(x, y),
    gradFunc: (dy, saved) => {
      const [sx, sy] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sy)), tf.matMul(tf.transpose(sx), dy as tf.Tensor2D)];
    },
  };
});

/**
 * A constant linear map `x ↦ x c` for `x` `[n, k]`, with `cᵀ` built once, so the gradient
 * `dy cᵀ` is a plain product. Owns `c` and `cᵀ`: `dispose` frees them.
 */
export class ConstantMap {
  readonly matrix: tf.Tensor2D;
  readonly #transposed: tf.Tensor2D;
  readonly #apply: (x: tf.Tensor) => tf.Tensor;

  constructor(matrix: tf.Tensor2D) {
    this.matrix = matrix;
    this.#transposed = tf.keep(tf.transpose(matrix));
    this.#apply = tf.customGrad((x, save) => {
      (save as tf.GradSaveFunc)([]);
      return {
        value: tf.matMul(x as tf.Tensor2D, this.matrix),
        gradFunc: (dy) => tf.matMul(dy as tf.Tensor2D, this.#transposed),
      };
    }) as (x: tf.Tensor) => tf.Tensor;
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return this.#apply(x) as tf.Tensor2D;
  }

  dispose(): void {
    tf.dispose([this.matrix, this.#transposed]);
  }
}
