import * as tf from '@tensorflow/tfjs';

/**
 * How a dense layer's backward pass is computed.
 *
 * - `tfjs`: tfjs's own gradient of `tf.fused.matMul`, which multiplies by transposed operands
 *   (`matMul(dy, W, false, true)` and `matMul(x, dy, true, false)`).
 * - `transposed`: the same three products with the operand transposed first (`tf.transpose`), so
 *   every product is a plain `matMul`.
 *
 * The two agree to float32 rounding. They differ in speed: the wasm backend (tfjs 4.22) sends a
 * matMul with a transposed operand to a scalar loop instead of XNNPACK. On the 20 × 50 MLP of paper
 * §4.1 (batch 100) that made the backward pass many times the forward; `transposed` cuts the
 * backward pass several-fold and with it the whole noisy training step (`npm run bench`, sections
 * `phases` and `step`). On the `cpu` backend the extra copies made the step slower, so
 * {@link gradientPathFor} keeps `tfjs` there. Figures: docs/benchmarks.md, "Figures behind the
 * code", and History of changes.
 */
export type DenseGradientPath = 'tfjs' | 'transposed';

/** The faster path for a backend, as measured (see {@link DenseGradientPath}). */
export function gradientPathFor(backend: string): DenseGradientPath {
  return backend === 'wasm' ? 'transposed' : 'tfjs';
}

/** What one layer computes. */
export interface DenseLayerOptions {
  /** ReLU after the affine map (hidden layers); identity otherwise (logits). */
  readonly relu: boolean;
  /**
   * Whether the gradient with respect to the layer's input is needed. False for the first layer,
   * whose input is data: the `transposed` path then skips that product (on the 784-input first
   * layer as costly as its forward pass) and the input receives no gradient. The `tfjs` path prunes
   * it the same way by itself.
   */
  readonly inputGradient: boolean;
  readonly gradient: DenseGradientPath;
}

type Dense = (x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D;

/**
 * A dense layer `act(x · kernel + bias)` for `x` of shape `[n, fanIn]`, `kernel` `[fanIn, fanOut]`,
 * `bias` `[fanOut]`: one `tf.fused.matMul` forward, and a backward pass per `options.gradient`.
 * Call inside `tf.tidy` (or a gradient scope), like any tfjs op.
 */
export function denseLayer(options: DenseLayerOptions): Dense {
  const activation = options.relu ? 'relu' : 'linear';
  if (options.gradient === 'tfjs') {
    return (x, kernel, bias) => tf.fused.matMul({ a: x, b: kernel, bias, activation }) as tf.Tensor2D;
  }
  const backward = (dy: tf.Tensor2D, x: tf.Tensor2D, kernel: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor[] => {
    // ReLU passes the gradient where its output is positive (the derivative at 0 is taken as 0).
    const dz = options.relu ? tf.mul(dy, tf.step(y)) : dy;
    const dKernel = tf.matMul(tf.transpose(x), dz);
    const dBias = tf.sum(dz, 0);
    return options.inputGradient ? [tf.matMul(dz, tf.transpose(kernel)), dKernel, dBias] : [dKernel, dBias];
  };
  // tf.customGrad hands its function the inputs, then the save callback, as one untyped list.
  const forward = (x: tf.Tensor2D, args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [kernel, bias, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const y = tf.fused.matMul({ a: x, b: kernel, bias, activation }) as tf.Tensor2D;
    save([x, kernel, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [x0, kernel0, y0] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        return backward(dy as tf.Tensor2D, x0, kernel0, y0);
      },
    };
  };
  if (options.inputGradient) {
    const layer = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) =>
      forward(args[0] as tf.Tensor2D, args.slice(1)),
    );
    return (x, kernel, bias) => layer(x, kernel, bias) as tf.Tensor2D;
  }
  // The input is a constant of the closure (saved for the backward pass), not an input of the
  // gradient function, so the tape never asks for its gradient.
  return (x, kernel, bias) =>
    tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => forward(x, args))(
      kernel,
      bias,
    ) as tf.Tensor2D;
}
