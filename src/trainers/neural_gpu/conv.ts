import * as tf from '@tensorflow/tfjs';

/** Activations fused into {@link convSame}; both have a derivative computable from the output. */
export type ConvActivation = 'linear' | 'sigmoid';

/**
 * `activation(conv(x, kernel) + bias)`: a stride-1 "same" 2-D convolution (odd kernel) with bias,
 * run as one fused kernel, whose gradients are forward convolutions too.
 *
 * Why not `tf.conv2d`'s own gradients: the wasm backend has no `Conv2DBackpropFilter` kernel
 * (tfjs 4.22), so a kernel's gradient cannot be taken there, and its `Conv2DBackpropInput` is
 * several times slower than a forward convolution. With `dz` the gradient before the activation:
 *
 * - input:  `dx = conv(dz, K̃)` with `K̃[a, b, o, i] = K[kw−1−a, kh−1−b, i, o]` (flipped, transposed);
 * - kernel: `dK[a, b, i, o] = Σ_{n,w,h} x̂[n, w+a, h+b, i] · dz[n, w, h, o]` (x̂ the zero-padded
 *   input): a "valid" convolution of x̂ with input channels as batch, examples as channels and
 *   `dz` as the filter;
 * - bias:   `db = Σ_{n,w,h} dz`.
 *
 * The forward value is exactly `tf.fused.conv2d`'s; unit tests compare the gradients with tfjs's
 * own on the cpu backend.
 *
 * @param x `[batch, width, height, in]`.
 * @param kernel `[kernelWidth, kernelHeight, in, out]`, both extents odd.
 * @param bias `[out]`.
 * @returns `[batch, width, height, out]`.
 */
export function convSame(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  bias: tf.Tensor1D,
  activation: ConvActivation,
): tf.Tensor4D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, filter, offset, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.GradSaveFunc];
    const value = tf.fused.conv2d({ x: input, filter, strides: 1, pad: 'same', bias: offset, activation });
    save([input, filter, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, ks, ys] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const dz: tf.Tensor4D = activation === 'sigmoid' ? tf.mul(dy, tf.mul(ys, tf.sub(1, ys))) : dy;
        return [inputGradient(dz, ks), kernelGradient(xs, dz, ks.shape), tf.sum(dz, [0, 1, 2])];
      },
    };
  });
  return op(x, kernel, bias) as tf.Tensor4D;
}

function inputGradient(dz: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  const flipped = tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]);
  return tf.conv2d(dz, flipped, 1, 'same');
}

function kernelGradient(
  x: tf.Tensor4D,
  dz: tf.Tensor4D,
  kernelShape: [number, number, number, number],
): tf.Tensor4D {
  const padW = (kernelShape[0] - 1) / 2;
  const padH = (kernelShape[1] - 1) / 2;
  const padded = tf.pad(x, [
    [0, 0],
    [padW, padW],
    [padH, padH],
    [0, 0],
  ]);
  const channelsAsBatch = tf.transpose(padded, [3, 1, 2, 0]); // [in, W + 2pw, H + 2ph, batch]
  const dzAsFilter = tf.transpose(dz, [1, 2, 0, 3]); // [W, H, batch, out]
  const perChannel = tf.conv2d(channelsAsBatch, dzAsFilter, 1, 'valid'); // [in, kw, kh, out]
  return tf.transpose(perChannel, [1, 2, 0, 3]);
}
