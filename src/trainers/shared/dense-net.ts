import * as tf from '@tensorflow/tfjs';
import { AppError, type RunStreams, Stream } from '../../core/index.js';
import { type DenseGradientPath, denseLayer, gradientPathFor } from './dense-layer.js';
import { type InitScheme, initKernel } from './init.js';

/** Each session gets its own variable-name prefix, so two sessions can coexist in one thread. */
let sessionCounter = 0;

/** What a DenseNet is built from. */
export interface DenseNetOptions {
  /** Units per layer, inputs first and outputs last, e.g. `[784, 50, …, 50, 10]`. */
  readonly sizes: readonly number[];
  readonly init: InitScheme;
  /** The run's streams; layer `i`'s kernel is drawn from the stream `(Stream.init, i)`. */
  readonly streams: RunStreams;
  /**
   * How the backward pass is computed (see `dense-layer.ts`). Default: `gradientPathFor` the
   * backend in use at each call, i.e. `transposed` on wasm and tfjs's own gradient elsewhere.
   */
  readonly gradient?: DenseGradientPath;
}

/**
 * A fully connected ReLU network: `sizes.length - 1` dense layers, ReLU after every layer but the
 * last, which returns logits. Biases start at zero (paper §4.1).
 *
 * Its weights are tfjs variables owned by the instance until `dispose`. Their exported names are
 * `layer{i}/kernel` (shape `[fanIn, fanOut]`) and `layer{i}/bias`, i = 0 for the first hidden layer.
 * The tfjs variable names carry a per-instance prefix and a zero-padded layer index, so that their
 * insertion order (the order gradients reach the optimizer, which keys its noise by position) is
 * also their sorted order, whatever the prefix.
 */
export class DenseNet {
  readonly #kernels: tf.Variable<tf.Rank.R2>[] = [];
  readonly #biases: tf.Variable<tf.Rank.R1>[] = [];
  readonly #gradient: DenseGradientPath | undefined;

  constructor(options: DenseNetOptions) {
    const prefix = `dense${sessionCounter}`;
    sessionCounter += 1;
    const { sizes } = options;
    this.#gradient = options.gradient;
    for (let i = 0; i + 1 < sizes.length; i += 1) {
      const fanIn = sizes[i] as number;
      const fanOut = sizes[i + 1] as number;
      const relu = i + 2 < sizes.length;
      const values = initKernel(options.init, fanIn, fanOut, relu, options.streams.stream(Stream.init, i));
      const layer = `${prefix}/layer${String(i).padStart(3, '0')}`;
      // tidy frees the initial tensors; the variables keep their data.
      tf.tidy(() => {
        this.#kernels.push(tf.variable(tf.tensor2d(values, [fanIn, fanOut]), true, `${layer}/kernel`));
        this.#biases.push(tf.variable(tf.zeros([fanOut]), true, `${layer}/bias`));
      });
    }
  }

  /** Number of dense layers (hidden layers + 1). */
  get layers(): number {
    return this.#kernels.length;
  }

  /**
   * Logits for a batch `x` of shape `[n, sizes[0]]`. `hidden(h, i)` may transform the activations
   * of hidden layer `i` (after its ReLU), e.g. dropout. Call inside `tf.tidy`.
   *
   * `x` is data: gradients reach the weights and the hidden activations, never `x`. Each layer is
   * one fused matMul; its backward pass follows the `gradient` option.
   */
  logits(x: tf.Tensor2D, hidden?: (h: tf.Tensor2D, layer: number) => tf.Tensor2D): tf.Tensor2D {
    const gradient = this.#gradient ?? gradientPathFor(tf.getBackend());
    let h = x;
    const last = this.#kernels.length - 1;
    for (let i = 0; i <= last; i += 1) {
      const layer = denseLayer({ relu: i < last, inputGradient: i > 0, gradient });
      h = layer(h, this.#kernels[i] as tf.Variable<tf.Rank.R2>, this.#biases[i] as tf.Variable<tf.Rank.R1>);
      if (i < last && hidden !== undefined) h = hidden(h, i);
    }
    return h;
  }

  /** The trainable variables, in the order they reach the optimizer. */
  variables(): tf.Variable[] {
    const out: tf.Variable[] = [];
    this.#kernels.forEach((kernel, i) => {
      out.push(this.#biases[i] as tf.Variable, kernel);
    });
    return out;
  }

  /** The weights under their exported names; the tensors are the live variables (not copies). */
  namedWeights(): { name: string; tensor: tf.Tensor }[] {
    const out: { name: string; tensor: tf.Tensor }[] = [];
    this.#kernels.forEach((kernel, i) => {
      out.push(
        { name: `layer${i}/kernel`, tensor: kernel },
        { name: `layer${i}/bias`, tensor: this.#biases[i] as tf.Tensor },
      );
    });
    return out;
  }

  /**
   * Sets every weight from tensors named as by `namedWeights`. The set must match exactly (same
   * names and shapes); otherwise nothing is assigned and FAILED_PRECONDITION is thrown.
   */
  assignNamed(tensors: ReadonlyArray<{ readonly name: string; readonly tensor: tf.Tensor }>): void {
    const byName = new Map(tensors.map((entry) => [entry.name, entry.tensor]));
    const targets = this.namedWeights();
    for (const target of targets) {
      const source = byName.get(target.name);
      if (source === undefined) throw mismatch(`missing tensor ${target.name}`);
      if (!tf.util.arraysEqual(source.shape, target.tensor.shape)) {
        throw mismatch(`${target.name} has shape [${source.shape}], expected [${target.tensor.shape}]`);
      }
    }
    if (byName.size !== targets.length) {
      const known = new Set(targets.map((t) => t.name));
      const extra = [...byName.keys()].filter((name) => !known.has(name));
      throw mismatch(`unexpected tensors ${extra.join(', ')}`);
    }
    for (const target of targets) {
      (target.tensor as tf.Variable).assign(byName.get(target.name) as tf.Tensor);
    }
  }

  dispose(): void {
    for (const v of [...this.#kernels, ...this.#biases]) v.dispose();
    this.#kernels.length = 0;
    this.#biases.length = 0;
  }
}

function mismatch(problem: string): AppError {
  return new AppError('FAILED_PRECONDITION', `checkpoint does not match the model: ${problem}`);
}
