import * as tf from '@tensorflow/tfjs';
import { type RunStreams, Stream } from '../../core/index.js';
import { SIMPLE_INIT_STD } from '../shared/init.js';
import { maskedSoftmax, PAD_ID } from '../shared/sequence/index.js';
import type { MemoryBatch } from './encode.js';

/** The sizes a model is built for. */
export interface MemN2NShape {
  readonly vocabularySize: number;
  readonly sentenceLength: number;
  readonly memorySize: number;
  readonly hops: number;
  readonly embeddingSize: number;
  readonly positionEncoding: boolean;
}

/**
 * Position encoding weights `[J, d]` as the original Matlab code computes them (MemN2N-babi-matlab
 * `build_model.m`): l(j, k) = 1 + 4 (k − (d + 1)/2)(j − (J + 1)/2) / (d J), with j and k 1-based.
 * The paper's formula, l(j, k) = (1 − j/J) − (k/d)(1 − 2j/J), is another variation around a
 * constant; we follow the code whose numbers the paper reports. All ones without encoding. The
 * model calls it with J = words + 1: the code puts the time word in a last column and weights it
 * with that column's row, and the question uses the first `words` rows.
 */
export function positionEncoding(
  sentenceLength: number,
  embeddingSize: number,
  enabled: boolean,
): Float32Array {
  const J = sentenceLength;
  const d = embeddingSize;
  const out = new Float32Array(J * d).fill(1);
  if (!enabled) return out;
  for (let j = 1; j <= J; j += 1) {
    for (let k = 1; k <= d; k += 1)
      out[(j - 1) * d + (k - 1)] = 1 + (4 * (k - (d + 1) / 2) * (j - (J + 1) / 2)) / (d * J);
  }
  return out;
}

/**
 * End-to-End Memory Network (Sukhbaatar et al. 2015) with adjacent weight tying: K + 1 word
 * embeddings E0 … EK, where E0 is both A¹ and the question embedding B, and Ek is Cᵏ and Aᵏ⁺¹; each
 * has a temporal embedding T0 … TK tied the same way (row t for the statement t-th from the end,
 * row 0 for an empty slot). The answer is `softmax(W (u + o))` over the vocabulary with W = EKᵀ
 * (the code shares its output layer with the last output embedding). Row `PAD_ID` of every word embedding and row 0 of every temporal one is the nil word:
 * zero at initialisation and after every update (`zeroNil`).
 */
export class MemN2NModel {
  readonly embeddings: tf.Variable[];
  readonly times: tf.Variable[];
  /** `[J, d]` word weights, and `[1, d]` the weights of the time word. */
  readonly #encoding: tf.Tensor2D;
  readonly #timeEncoding: tf.Tensor2D;
  readonly #nilWord: tf.Tensor2D;
  readonly #nilTime: tf.Tensor2D;

  constructor(
    readonly shape: MemN2NShape,
    streams: RunStreams,
  ) {
    const { vocabularySize: V, memorySize: M, hops, embeddingSize: d } = shape;
    let index = 0;
    const normal = (rows: number, cols: number, nilRow: boolean): tf.Variable => {
      const values = streams
        .stream(Stream.init, index)
        .fillNormal(new Float32Array(rows * cols), 0, SIMPLE_INIT_STD);
      index += 1;
      if (nilRow) values.fill(0, 0, cols);
      // tidy frees the initial tensor; the variable keeps its data.
      return tf.tidy(() => tf.variable(tf.tensor2d(values, [rows, cols]), true));
    };
    this.embeddings = Array.from({ length: hops + 1 }, () => normal(V, d, true));
    this.times = Array.from({ length: hops + 1 }, () => normal(M + 1, d, true));
    const J = shape.sentenceLength;
    const encoding = positionEncoding(J + 1, d, shape.positionEncoding);
    this.#encoding = tf.tensor2d(encoding.subarray(0, J * d), [J, d]);
    this.#timeEncoding = tf.tensor2d(encoding.subarray(J * d), [1, d]);
    this.#nilWord = nilMask(V, PAD_ID);
    this.#nilTime = nilMask(M + 1, 0);
  }

  /** Checkpoint name → variable. */
  get namedVariables(): { readonly name: string; readonly variable: tf.Variable }[] {
    return [
      ...this.embeddings.map((variable, k) => ({ name: `embedding${k}`, variable })),
      ...this.times.map((variable, k) => ({ name: `time${k}`, variable })),
    ];
  }

  /**
   * Answer logits `[batch, V]`. `linear`: the attention softmaxes are removed (linear start), the
   * raw scores of the statements weighting the outputs, empty slots masked to 0.
   */
  logits(batch: MemoryBatch, linear: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      const { vocabularySize: V, memorySize, sentenceLength: J, embeddingSize: d } = this.shape;
      const B = batch.size;
      const M = batch.slots;
      const story = tf.oneHot(tf.tensor1d(batch.story, 'int32'), V).toFloat();
      const time = tf.oneHot(tf.tensor1d(batch.time, 'int32'), memorySize + 1).toFloat();
      const query = tf.oneHot(tf.tensor1d(batch.query, 'int32'), V).toFloat();
      const mask = tf.tensor2d(batch.sentenceMask, [B, M]);
      // Memory k, [B, M, d]: position-weighted sum of the words in Ek plus the time row in Tk.
      const memory = (k: number): tf.Tensor3D => {
        const words = tf.reshape(tf.matMul(story, this.embeddings[k] as tf.Variable), [B, M, J, d]);
        const bag = tf.sum(tf.mul(words, this.#encoding), 2);
        const when = tf.mul(tf.matMul(time, this.times[k] as tf.Variable), this.#timeEncoding);
        return tf.add(bag, tf.reshape(when, [B, M, d]));
      };
      const questionWords = tf.reshape(tf.matMul(query, this.embeddings[0] as tf.Variable), [B, J, d]);
      let u: tf.Tensor2D = tf.sum(tf.mul(questionWords, this.#encoding), 1);
      let input = memory(0);
      for (let k = 1; k <= this.shape.hops; k += 1) {
        const output = memory(k);
        const scores = tf.sum(tf.mul(input, tf.expandDims(u, 1)), 2);
        const p = linear ? tf.mul(scores, mask) : maskedSoftmax(scores, mask);
        u = tf.add(u, tf.sum(tf.mul(output, tf.expandDims(p, 2)), 1));
        input = output;
      }
      return tf.matMul(u, this.embeddings[this.shape.hops] as tf.Variable, false, true);
    });
  }

  /** Zeroes the nil rows again (the original code does it after every update). */
  zeroNil(): void {
    tf.tidy(() => {
      for (const e of this.embeddings) e.assign(tf.mul(e, this.#nilWord));
      for (const t of this.times) t.assign(tf.mul(t, this.#nilTime));
    });
  }

  dispose(): void {
    tf.dispose([
      ...this.embeddings,
      ...this.times,
      this.#encoding,
      this.#timeEncoding,
      this.#nilWord,
      this.#nilTime,
    ]);
  }
}

/** `[rows, 1]`: 1 everywhere but row `nil`. */
function nilMask(rows: number, nil: number): tf.Tensor2D {
  const values = new Float32Array(rows).fill(1);
  values[nil] = 0;
  return tf.tensor2d(values, [rows, 1]);
}
