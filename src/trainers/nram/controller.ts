import * as tf from '@tensorflow/tfjs';
import type { RunStreams, Sfc32 } from '../../core/index.js';
import { Stream } from '../../core/index.js';
import { type ConstantMap, product } from './products.js';

/** The controller's kind: a one-hidden-layer network, or an LSTM (the paper's, §4.4). */
export type ControllerKind = 'feedforward' | 'lstm';

/** A controller's recurrent state: `[h, c]` for the LSTM, empty for the feed-forward one. */
export type ControllerState = tf.Tensor2D[];

/** An output layer `logits = h kernel + bias`. */
export interface OutputLayer {
  readonly kernel: tf.Tensor2D;
  readonly bias: tf.Tensor1D;
}

/**
 * The NRAM controller (Kurach et al., 2016, §3.2): it sees `P(rᵢ = 0)` for each register, never
 * the registers' full distributions nor memory, and emits one logit vector `[B, outputs]` per
 * step, which the machine splits into its choices.
 *
 * - `feedforward`: `logits = W₂ relu(W₁ x + b₁) + b₂`.
 * - `lstm`: a standard LSTM cell on `x` (forget-gate bias 1), `logits = W₂ h + b₂`.
 *
 * Initialisation, a pure function of the run's streams: kernels uniform in ±√(6 / (fan-in +
 * fan-out)) (Glorot), one stream per parameter; the output bias as given (the machine's initial
 * preferences, e.g. its stopping logit); other biases 0 except the LSTM's forget gate.
 */
export class Controller {
  readonly kind: ControllerKind;
  readonly hiddenSize: number;
  /** Every variable with its checkpoint name, in a fixed order. */
  readonly namedVariables: ReadonlyArray<{ readonly name: string; readonly variable: tf.Variable }>;
  readonly #hiddenKernel: tf.Variable;
  readonly #hiddenBias: tf.Variable;
  readonly #outputKernel: tf.Variable;
  readonly #outputBias: tf.Variable;

  constructor(
    kind: ControllerKind,
    inputs: number,
    hiddenSize: number,
    outputBias: Float32Array,
    streams: RunStreams,
  ) {
    const outputs = outputBias.length;
    this.kind = kind;
    this.hiddenSize = hiddenSize;
    const h = hiddenSize;
    if (kind === 'lstm') {
      this.#hiddenKernel = glorot([inputs + h, 4 * h], streams.stream(Stream.init, 0));
      // Gate order i, f, g, o: the forget gate starts open so the state carries over steps.
      const bias = new Float32Array(4 * h);
      bias.fill(1, h, 2 * h);
      this.#hiddenBias = own(tf.tensor1d(bias));
    } else {
      this.#hiddenKernel = glorot([inputs, h], streams.stream(Stream.init, 0));
      this.#hiddenBias = own(tf.zeros([h]));
    }
    this.#outputKernel = glorot([h, outputs], streams.stream(Stream.init, 1));
    this.#outputBias = own(tf.tensor1d(outputBias));
    const prefix = kind === 'lstm' ? 'controller/lstm' : 'controller/hidden';
    this.namedVariables = [
      { name: `${prefix}/kernel`, variable: this.#hiddenKernel },
      { name: `${prefix}/bias`, variable: this.#hiddenBias },
      { name: 'controller/output/kernel', variable: this.#outputKernel },
      { name: 'controller/output/bias', variable: this.#outputBias },
    ];
  }

  /** The recurrent state before the first step for a batch of `batch`. */
  initialState(batch: number): ControllerState {
    if (this.kind === 'feedforward') return [];
    return [tf.zeros([batch, this.hiddenSize]), tf.zeros([batch, this.hiddenSize])];
  }

  /**
   * The output layer composed with a constant linear map `scatter` `[outputs, n]` plus `offset` `[n]`:
   * logits `h (W S) + (b S + offset)`, so the per-step layer emits the caller's layout directly.
   * Call it inside the tape so the gradient reaches W and b.
   */
  projectOutput(scatter: ConstantMap, offset: tf.Tensor1D): OutputLayer {
    const bias = tf.reshape(scatter.apply(tf.reshape(this.#outputBias, [1, -1])), [-1]);
    return { kernel: scatter.apply(this.#outputKernel as tf.Tensor2D), bias: tf.add(bias, offset) };
  }

  /**
   * One step: the logits `[B, outputs]` (or through `output`, from {@link projectOutput}) and the
   * next recurrent state, from `x` `[B, inputs]`.
   */
  step(
    x: tf.Tensor2D,
    state: ControllerState,
    output?: OutputLayer,
  ): { logits: tf.Tensor2D; state: ControllerState } {
    const layer = output ?? {
      kernel: this.#outputKernel as tf.Tensor2D,
      bias: this.#outputBias as tf.Tensor1D,
    };
    if (this.kind === 'feedforward') {
      const hidden = tf.relu(
        tf.add<tf.Tensor2D>(product(x, this.#hiddenKernel as tf.Tensor2D), this.#hiddenBias),
      );
      return { logits: tf.add(product(hidden, layer.kernel), layer.bias), state: [] };
    }
    const [h, c] = state as [tf.Tensor2D, tf.Tensor2D];
    const z = tf.add(product(tf.concat([x, h], 1), this.#hiddenKernel as tf.Tensor2D), this.#hiddenBias);
    const [i, f, g, o] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const nextC: tf.Tensor2D = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    const nextH: tf.Tensor2D = tf.mul(tf.sigmoid(o), tf.tanh(nextC));
    return { logits: tf.add(product(nextH, layer.kernel), layer.bias), state: [nextH, nextC] };
  }

  dispose(): void {
    for (const { variable } of this.namedVariables) variable.dispose();
  }
}

function glorot(shape: [number, number], stream: Sfc32): tf.Variable {
  const limit = Math.sqrt(6 / (shape[0] + shape[1]));
  const values = new Float32Array(shape[0] * shape[1]);
  for (let i = 0; i < values.length; i += 1) values[i] = (2 * stream.uniform() - 1) * limit;
  return own(tf.tensor2d(values, shape));
}

/** A variable holding `initial`'s values; `initial` is disposed (the variable shares its data). */
function own(initial: tf.Tensor): tf.Variable {
  const variable = tf.variable(initial);
  initial.dispose();
  return variable;
}
