import * as tf from '@tensorflow/tfjs';
import { type RunStreams, type Sfc32, Stream } from '../../core/index.js';
import { BINARY_INPUT_SYMBOLS, BINARY_OUTPUT_CLASSES } from '../../data/tasks/index.js';
import { convSame } from './conv.js';

/** The shape hyper-parameters the model needs (a subset of `NeuralGpuConfig`). */
export interface NeuralGpuShape {
  readonly maps: number;
  readonly layers: number;
  readonly kernelWidth: number;
  readonly kernelHeight: number;
  readonly height: number;
  readonly gateCutoff: number;
}

/** One CGRU layer's parameters: `U, B` (update gate), `U', B'` (reset gate), `U'', B''` (candidate). */
interface CgruParams {
  readonly updateKernel: tf.Variable<tf.Rank.R4>;
  readonly updateBias: tf.Variable<tf.Rank.R1>;
  readonly resetKernel: tf.Variable<tf.Rank.R4>;
  readonly resetBias: tf.Variable<tf.Rank.R1>;
  readonly candidateKernel: tf.Variable<tf.Rank.R4>;
  readonly candidateBias: tf.Variable<tf.Rank.R1>;
}

/**
 * The Neural GPU (Kaiser & Sutskever, 2016), the model of paper §4.5.
 *
 * The state `s` is a `[batch, width, height, maps]` tensor whose width is the input length. The
 * input symbols are embedded into row 0 of `s₀`, the other rows are zero. Each step applies the
 * `layers` CGRU layers, whose parameters are shared by all steps:
 *
 *   u = σ_c(U * s + B),  r = σ_c(U' * s + B'),  s' = u ⊙ s + (1 − u) ⊙ tanh(U'' * (r ⊙ s) + B'')
 *
 * with `*` a "same" convolution and `σ_c` the sigmoid with cutoff `c` (`gateCutoff`). After as many
 * steps as the input is long, row 0 of the state goes through a linear layer to two logits per
 * position (softmax over the digits 0 and 1).
 *
 * Training-time dropout multiplies the candidate `tanh(…)` by a mask given per layer (see
 * `step`), so it perturbs the proposed update but never erases the carried state.
 *
 * Initialisation, a pure function of the run's streams: kernels uniform with variance 1/fan-in, gate biases
 * 1 (gates start keeping the state, which helps the gradient through many steps), candidate and
 * output biases 0, embedding uniform in [−1, 1].
 */
export class NeuralGpuModel {
  readonly shape: NeuralGpuShape;
  readonly #embedding: tf.Variable<tf.Rank.R2>;
  readonly #cgru: readonly CgruParams[];
  readonly #outputKernel: tf.Variable<tf.Rank.R2>;
  readonly #outputBias: tf.Variable<tf.Rank.R1>;
  /**
   * Every variable with its checkpoint name, in a fixed order: embedding, then each layer's
   * update, reset and candidate kernel and bias, then the output kernel and bias. The optimizer's
   * slots follow this order.
   */
  readonly namedVariables: ReadonlyArray<{ readonly name: string; readonly variable: tf.Variable }>;

  constructor(shape: NeuralGpuShape, streams: RunStreams) {
    this.shape = shape;
    const { maps, layers, kernelWidth, kernelHeight } = shape;
    const fanIn = kernelWidth * kernelHeight * maps;
    let index = 0;
    // Each parameter has its own stream, so adding a layer does not change the others' values.
    const uniform = <R extends tf.Rank>(shapeOf: number[], limit: number) =>
      own(uniformTensor(shapeOf, limit, streams.stream(Stream.init, index++)) as tf.Tensor<R>);
    const constant = (size: number, value: number) => own(tf.fill([size], value) as tf.Tensor1D);
    this.#embedding = uniform<tf.Rank.R2>([BINARY_INPUT_SYMBOLS, maps], 1);
    const cgru: CgruParams[] = [];
    for (let layer = 0; layer < layers; layer += 1) {
      cgru.push({
        updateKernel: uniform<tf.Rank.R4>([kernelWidth, kernelHeight, maps, maps], Math.sqrt(3 / fanIn)),
        updateBias: constant(maps, 1),
        resetKernel: uniform<tf.Rank.R4>([kernelWidth, kernelHeight, maps, maps], Math.sqrt(3 / fanIn)),
        resetBias: constant(maps, 1),
        candidateKernel: uniform<tf.Rank.R4>([kernelWidth, kernelHeight, maps, maps], Math.sqrt(3 / fanIn)),
        candidateBias: constant(maps, 0),
      });
    }
    this.#cgru = cgru;
    this.#outputKernel = uniform<tf.Rank.R2>([maps, BINARY_OUTPUT_CLASSES], Math.sqrt(3 / maps));
    this.#outputBias = constant(BINARY_OUTPUT_CLASSES, 0);
    this.namedVariables = [
      { name: 'embedding', variable: this.#embedding },
      ...cgru.flatMap((p, layer) => [
        { name: `cgru${layer}/update/kernel`, variable: p.updateKernel },
        { name: `cgru${layer}/update/bias`, variable: p.updateBias },
        { name: `cgru${layer}/reset/kernel`, variable: p.resetKernel },
        { name: `cgru${layer}/reset/bias`, variable: p.resetBias },
        { name: `cgru${layer}/candidate/kernel`, variable: p.candidateKernel },
        { name: `cgru${layer}/candidate/bias`, variable: p.candidateBias },
      ]),
      { name: 'output/kernel', variable: this.#outputKernel },
      { name: 'output/bias', variable: this.#outputBias },
    ];
  }

  /** Number of trainable scalars. */
  get parameterCount(): number {
    return this.namedVariables.reduce((sum, { variable }) => sum + variable.size, 0);
  }

  /** The variables of one unrolled step (every CGRU layer), in `namedVariables` order. */
  get stepVariables(): tf.Variable[] {
    return this.#cgru.flatMap((p) => [
      p.updateKernel,
      p.updateBias,
      p.resetKernel,
      p.resetBias,
      p.candidateKernel,
      p.candidateBias,
    ]);
  }

  get embeddingVariable(): tf.Variable {
    return this.#embedding;
  }

  get readoutVariables(): tf.Variable[] {
    return [this.#outputKernel, this.#outputBias];
  }

  /** `s₀` `[batch, width, height, maps]`: the embedded `inputs` (`[batch, width]`) in row 0, zeros below. */
  embed(inputs: tf.Tensor2D): tf.Tensor4D {
    const [batch, width] = inputs.shape;
    const { maps, height } = this.shape;
    return tf.tidy(() => {
      const oneHot = tf.oneHot(tf.reshape(inputs, [batch * width]), BINARY_INPUT_SYMBOLS) as tf.Tensor2D;
      const row0 = tf.reshape<tf.Rank.R4>(tf.matMul(oneHot, this.#embedding), [batch, width, 1, maps]);
      if (height === 1) return row0;
      return tf.concat([row0, tf.zeros<tf.Rank.R4>([batch, width, height - 1, maps])], 2);
    });
  }

  /**
   * One unrolled step: every CGRU layer once, `s_{t+1} = CGRU_L(… CGRU_1(s_t))`.
   *
   * @param candidateMasks one `[batch, width, height, maps]` multiplier per layer (0 or
   *   1/(1−rate)) applied to the candidate, or `null` for no dropout (evaluation).
   */
  step(state: tf.Tensor4D, candidateMasks: readonly tf.Tensor4D[] | null): tf.Tensor4D {
    return tf.tidy(() => {
      let s = state;
      this.#cgru.forEach((params, layer) => {
        s = this.#cgruLayer(s, params, candidateMasks?.[layer] ?? null);
      });
      return s;
    });
  }

  /** Logits `[batch, width, 2]` from row 0 of the final state. */
  readout(state: tf.Tensor4D): tf.Tensor3D {
    const [batch, width, , maps] = state.shape;
    return tf.tidy(() => {
      const top = tf.reshape(tf.slice(state, [0, 0, 0, 0], [batch, width, 1, maps]), [batch * width, maps]);
      const out = tf.add(tf.matMul(top, this.#outputKernel), this.#outputBias);
      return tf.reshape(out, [batch, width, BINARY_OUTPUT_CLASSES]);
    });
  }

  /** Logits `[batch, width, 2]` for `inputs`, after as many steps as the input is wide. */
  logits(inputs: tf.Tensor2D, candidateMasks: readonly tf.Tensor4D[] | null): tf.Tensor3D {
    let state = this.embed(inputs);
    for (let t = 0; t < inputs.shape[1]; t += 1) {
      const next = this.step(state, candidateMasks);
      state.dispose();
      state = next;
    }
    const logits = this.readout(state);
    state.dispose();
    return logits;
  }

  #cgruLayer(s: tf.Tensor4D, params: CgruParams, mask: tf.Tensor4D | null): tf.Tensor4D {
    const { gateCutoff } = this.shape;
    // Separate convolutions rather than one of 2·maps outputs and a split: the same arithmetic,
    // but wasm's SplitV and its Concat gradient cost more than the second convolution saves.
    const update = saturate(convSame(s, params.updateKernel, params.updateBias, 'sigmoid'), gateCutoff);
    const reset = saturate(convSame(s, params.resetKernel, params.resetBias, 'sigmoid'), gateCutoff);
    const proposal = tf.tanh(
      convSame(tf.mul(reset, s), params.candidateKernel, params.candidateBias, 'linear'),
    );
    const candidate = mask === null ? proposal : tf.mul(proposal, mask);
    // u ⊙ s + (1 − u) ⊙ c, written as c + u ⊙ (s − c) to save one op per layer and step.
    return tf.add(candidate, tf.mul(update, tf.sub(s, candidate)));
  }

  dispose(): void {
    for (const { variable } of this.namedVariables) variable.dispose();
  }
}

/** σ_c = clip(c·σ − (c − 1)/2, 0, 1) from σ: the saturating gate of the public implementation. */
function saturate(sigmoid: tf.Tensor4D, cutoff: number): tf.Tensor4D {
  if (cutoff === 1) return sigmoid;
  return tf.clipByValue(tf.sub(tf.mul(sigmoid, cutoff), (cutoff - 1) / 2), 0, 1) as tf.Tensor4D;
}

/** A variable holding `initial`'s values; `initial` is disposed (the variable shares its data). */
function own<R extends tf.Rank>(initial: tf.Tensor<R>): tf.Variable<R> {
  const variable = tf.variable(initial);
  initial.dispose();
  return variable;
}

function uniformTensor(shape: number[], limit: number, stream: Sfc32): tf.Tensor {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i += 1) values[i] = (2 * stream.uniform() - 1) * limit;
  return tf.tensor(values, shape);
}
