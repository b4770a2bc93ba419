import * as tf from '@tensorflow/tfjs';
import { type RunStreams, Stream } from '../../core/index.js';
import type { EncodedBatch } from './encode.js';
import {
  applyStep,
  initialState,
  mixPivots,
  type Operation,
  operationOutputs,
  type TableTensors,
} from './operations.js';

/** Soft selection (softmax, training) or hard selection (one-hot argmax, evaluation). */
export type Selection = 'soft' | 'hard';

/** The model's answers: the scalar `[B]` and the lookup `[B, R, C]` after the last step. */
export interface Answers {
  readonly scalar: tf.Tensor1D;
  readonly lookup: tf.Tensor3D;
  /** `[B, T]` the index of the most weighted operation at each step (the program, when hard). */
  readonly program: tf.Tensor2D;
}

/** Dropout multipliers: on the question vector `[B, H]` and on each step's history state. */
export interface DropoutMasks {
  readonly question: tf.Tensor2D;
  readonly history: readonly tf.Tensor2D[];
}

export interface ModelShape {
  readonly vocabularySize: number;
  readonly hiddenSize: number;
  readonly steps: number;
  readonly operations: readonly Operation[];
}

/** `tf.oneHot` as float32, also for depth 1 (one column, one-word questions), which tfjs refuses. */
function oneHotFloat(indices: tf.Tensor, depth: number): tf.Tensor {
  return depth === 1
    ? tf.expandDims(tf.onesLike(indices).toFloat(), -1)
    : tf.oneHot(indices, depth).toFloat();
}

/**
 * The Neural Programmer's networks (Neelakantan et al. 2016, §2): a tanh RNN over the question
 * (numbers replaced by one token), a tanh history RNN fed the previous step's weighted operation
 * and column embeddings, and two selectors that score the operations (their learned embeddings)
 * and the columns (their names' word embeddings) from `tanh(W [q; h_t])`. The pivots are
 * softmaxes over the question's numbers, scored from the question RNN's state at each number
 * (one for greater, one for lesser).
 */
export class NeuralProgrammerModel {
  readonly namedVariables: ReadonlyArray<{ readonly name: string; readonly variable: tf.Variable }>;
  readonly #shape: ModelShape;
  readonly #v: Record<string, tf.Variable>;

  constructor(shape: ModelShape, streams: RunStreams) {
    this.#shape = shape;
    const H = shape.hiddenSize;
    const specs: Array<[string, number[], number]> = [
      ['embedding', [shape.vocabularySize, H], 1],
      ['question/input', [H, H], H],
      ['question/recurrent', [H, H], H],
      ['question/bias', [H], 0],
      ['history/input', [2 * H, H], 2 * H],
      ['history/recurrent', [H, H], H],
      ['history/bias', [H], 0],
      ['operations/embedding', [shape.operations.length, H], H],
      ['attention/kernel', [H, H], H],
      ['operations/kernel', [3 * H, H], 3 * H],
      ['operations/bias', [H], 0],
      ['columns/kernel', [3 * H, H], 3 * H],
      ['columns/bias', [H], 0],
      ['pivot/greater', [H], H],
      ['pivot/lesser', [H], H],
    ];
    this.namedVariables = specs.map(([name, dims, fanIn], i) => {
      const size = dims.reduce((a, b) => a * b, 1);
      const values = new Float32Array(size);
      // Variance 1/fanIn keeps tanh units out of saturation; biases start at 0.
      if (fanIn > 0) streams.stream(Stream.init, i).fillNormal(values, 0, 1 / Math.sqrt(fanIn));
      // tidy keeps the variable and frees the initial tensor it was copied from.
      return { name, variable: tf.tidy(() => tf.variable(tf.tensor(values, dims), true)) };
    });
    this.#v = Object.fromEntries(this.namedVariables.map(({ name, variable }) => [name, variable]));
  }

  #var(name: string): tf.Variable {
    return this.#v[name] as tf.Variable;
  }

  /**
   * Word embeddings of `ids` `[B, L]` → `[B, L, H]`, as a one-hot product: its gradient is a
   * matMul, which every backend has, where `gather`'s needs a scatter kernel wasm lacks.
   */
  #embed(ids: tf.Tensor2D): tf.Tensor3D {
    const [B, L] = ids.shape;
    const table = this.#var('embedding');
    const oneHot = oneHotFloat(tf.reshape(ids, [B * L]), table.shape[0] as number);
    return tf.reshape(tf.matMul(oneHot, table), [B, L, this.#shape.hiddenSize]);
  }

  /**
   * Attention over the question RNN's states `[B, Q, H]` (padding masked out) with the query
   * `W_att h_t` from the history state: `[B, H]`, the question read at this step.
   */
  #attend(states: tf.Tensor3D, tokenMask: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
    const query = tf.matMul(h, this.#var('attention/kernel'));
    const scores = tf.squeeze(tf.matMul(states, tf.expandDims(query, 2)), [2]);
    const weights = tf.softmax(tf.add(scores, tf.mul(tf.sub(1, tokenMask), -1e9)) as tf.Tensor2D);
    return tf.squeeze(tf.matMul(tf.expandDims(weights, 1), states), [1]) as tf.Tensor2D;
  }

  /** Runs the T-step program on `batch`; call inside `tf.tidy` or a gradient function. */
  answer(batch: EncodedBatch, selection: Selection, dropout: DropoutMasks | null): Answers {
    const { size: B, length: Q, rows: R, columns: C } = batch;
    const S = batch.numbers.length / B;
    const H = this.#shape.hiddenSize;
    const select = (logits: tf.Tensor2D): tf.Tensor2D =>
      selection === 'soft'
        ? tf.softmax(logits)
        : (oneHotFloat(tf.argMax(logits, 1), logits.shape[1]) as tf.Tensor2D);

    // Question RNN; padded positions keep the state.
    const tokens = tf.tensor2d(batch.tokens, [B, Q], 'int32');
    const tokenMask = tf.tensor2d(batch.tokenMask, [B, Q]);
    const embedded = this.#embed(tokens);
    let state: tf.Tensor2D = tf.zeros([B, H]);
    const states: tf.Tensor2D[] = [];
    for (let q = 0; q < Q; q += 1) {
      const x = tf.squeeze(tf.slice(embedded, [0, q, 0], [-1, 1, -1]), [1]) as tf.Tensor2D;
      const next = tf.tanh(
        tf.add(
          tf.add(
            tf.matMul(x, this.#var('question/input')),
            tf.matMul(state, this.#var('question/recurrent')),
          ),
          this.#var('question/bias'),
        ),
      );
      const m = tf.slice(tokenMask, [0, q], [-1, 1]);
      state = tf.add(tf.mul(m, next), tf.mul(tf.sub(1, m), state)) as tf.Tensor2D;
      states.push(state);
    }
    const question = dropout === null ? state : tf.mul(state, dropout.question);

    // Pivots: the state at each number scores it; empty slots are masked out.
    const positions = oneHotFloat(tf.tensor2d(batch.numberPositions, [B, S], 'int32'), Q);
    const stacked = tf.stack(states, 1) as tf.Tensor3D; // [B, Q, H]
    const atNumbers = tf.matMul(positions, stacked) as tf.Tensor3D; // [B, S, H]
    const numberMask = tf.tensor2d(batch.numberMask, [B, S]);
    const pivot = (name: string): tf.Tensor2D => {
      // A broadcast product, not a batched matMul with a shared operand, whose gradient tfjs mis-shapes.
      const scores = tf.sum(tf.mul(atNumbers, this.#var(name)), 2);
      return select(tf.add(scores, tf.mul(tf.sub(1, numberMask), -1e9)) as tf.Tensor2D);
    };
    const table: TableTensors = {
      values: tf.tensor3d(batch.values, [B, R, C]),
      rowMask: tf.tensor2d(batch.rowMask, [B, R]),
      greater: mixPivots(tf.tensor4d(batch.greater, [B, S, R, C]), pivot('pivot/greater')),
      lesser: mixPivots(tf.tensor4d(batch.lesser, [B, S, R, C]), pivot('pivot/lesser')),
      textMatch: tf.tensor2d(batch.textMatch, [B, R]),
    };
    const columnEmbeddings = this.#embed(tf.tensor2d(batch.columnNames, [B, C], 'int32'));

    let program = initialState(table);
    let history: tf.Tensor2D = tf.zeros([B, H]);
    let previousChoice: tf.Tensor2D = tf.zeros([B, 2 * H]);
    const chosen: tf.Tensor1D[] = [];
    for (let t = 0; t < this.#shape.steps; t += 1) {
      history = tf.tanh(
        tf.add(
          tf.add(
            tf.matMul(previousChoice, this.#var('history/input')),
            tf.matMul(history, this.#var('history/recurrent')),
          ),
          this.#var('history/bias'),
        ),
      ) as tf.Tensor2D;
      const h = (
        dropout === null ? history : tf.mul(history, dropout.history[t] as tf.Tensor2D)
      ) as tf.Tensor2D;
      const context = tf.concat([question, h, this.#attend(stacked, tokenMask, h)], 1);
      const opHidden = tf.tanh(
        tf.add(tf.matMul(context, this.#var('operations/kernel')), this.#var('operations/bias')),
      );
      const opWeights = select(tf.matMul(opHidden, this.#var('operations/embedding'), false, true));
      const colHidden = tf.tanh(
        tf.add(tf.matMul(context, this.#var('columns/kernel')), this.#var('columns/bias')),
      );
      const colLogits = tf.squeeze(
        tf.matMul(columnEmbeddings, tf.expandDims(colHidden, 2)),
        [2],
      ) as tf.Tensor2D;
      const colWeights = select(colLogits);
      const outputs = operationOutputs(table, colWeights, program);
      program = applyStep(outputs, opWeights, this.#shape.operations, program);
      chosen.push(tf.argMax(opWeights, 1) as tf.Tensor1D);
      const opMix = tf.matMul(opWeights, this.#var('operations/embedding'));
      const colMix = tf.squeeze(tf.matMul(tf.expandDims(colWeights, 1), columnEmbeddings), [1]);
      previousChoice = tf.concat([opMix, colMix], 1) as tf.Tensor2D;
    }
    return {
      scalar: program.scalars[program.scalars.length - 1] as tf.Tensor1D,
      lookup: program.lookup,
      program: tf.stack(chosen, 1) as tf.Tensor2D,
    };
  }

  dispose(): void {
    for (const { variable } of this.namedVariables) variable.dispose();
  }
}
