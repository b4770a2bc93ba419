import * as tf from '@tensorflow/tfjs';
import { failedPrecondition, invalidArgument, Stream } from '../../core/index.js';
import type { TableQuestion } from '../../data/tasks/index.js';
import { hostReadable } from '../../optim/index.js';
import { dropoutMask } from '../shared/dropout.js';
import { assignNamedVariables, cloneNamedVariables, parameterNamesOf } from '../shared/named-variables.js';
import type { Vocabulary } from '../shared/sequence/index.js';
import type { MetricValue, TrainerContext, TrainerSession, TrainerState } from '../types.js';
import type { NeuralProgrammerConfig } from './config.js';
import { type EncodedBatch, encodeBatch, tableVocabulary } from './encode.js';
import { correctAnswers, programLoss } from './loss.js';
import { type Answers, type DropoutMasks, NeuralProgrammerModel, type Selection } from './model.js';
import { operationsFor } from './operations.js';
import { type TableSplits, tableSplits } from './splits.js';

/** The answers to one chunk of questions, read back from the model (see `predict`). */
export interface Prediction {
  readonly batch: EncodedBatch;
  readonly scalar: Float32Array;
  readonly lookup: Float32Array;
  readonly program: Int32Array;
}

/** Version of the `meta` layout written by `exportState`. */
const STATE_FORMAT = 2;

/** Questions per forward pass in `evaluate`. */
const EVAL_CHUNK = 100;

/** The fraction of `count` questions the predictions answered right. */
function accuracyOf(predictions: readonly Prediction[], count: number): number {
  const correct = predictions.flatMap((p) => correctAnswers(p, p.batch));
  return count === 0 ? 0 : correct.filter(Boolean).length / count;
}

/**
 * One Neural Programmer training session (paper §4.3). The three sets are drawn once from the
 * run's streams: training from `(syntheticData, 0)`, validation `(dataSplit, 1)`, test
 * `(dataSplit, 2)`. Step `k` reads the training set in the order of the permutation
 * `(dataOrder, epoch)` and draws its dropout masks from `(dropout, k, i)`, so it is a pure
 * function of the seed, `k`, the weights and the optimizer state: a resume needs no cursor.
 * Training uses soft selection; `evaluate` the hard (argmax) program.
 */
export class NeuralProgrammerSession implements TrainerSession {
  readonly #config: NeuralProgrammerConfig;
  readonly #context: TrainerContext;
  readonly #vocabulary: Vocabulary;
  readonly #model: NeuralProgrammerModel;
  readonly #columns: number;
  readonly splits: TableSplits;
  #order: { epoch: number; permutation: Int32Array } | null = null;
  /** Whether the latest evaluation met `solvedAccuracy` (see `isSolved`). */
  #solved = false;

  constructor(config: NeuralProgrammerConfig, context: TrainerContext) {
    this.#config = config;
    this.#context = context;
    this.#vocabulary = tableVocabulary();
    this.#columns = config.columns + (config.textColumn ? 1 : 0);
    const operations = operationsFor(config.textColumn);
    const { streams } = context;
    this.splits = tableSplits(config, streams, context.dataRoots);
    if (this.splits.train.length === 0) {
      throw invalidArgument('dataFile', config.dataFile, 'a file with at least one train question');
    }
    this.#model = new NeuralProgrammerModel(
      {
        vocabularySize: this.#vocabulary.size,
        hiddenSize: config.hiddenSize,
        steps: config.steps,
        operations,
      },
      streams,
    );
  }

  /** The examples of training step `step`. */
  batchAt(step: number): TableQuestion[] {
    const perEpoch = Math.ceil(this.splits.train.length / this.#config.batchSize);
    const epoch = Math.floor(step / perEpoch);
    if (this.#order?.epoch !== epoch) {
      const permutation = this.#context.streams
        .stream(Stream.dataOrder, epoch)
        .permutation(this.splits.train.length);
      this.#order = { epoch, permutation };
    }
    const start = (step % perEpoch) * this.#config.batchSize;
    const indices = this.#order.permutation.subarray(start, start + this.#config.batchSize);
    return Array.from(indices, (i) => this.splits.train[i] as TableQuestion);
  }

  encode(examples: readonly TableQuestion[]): EncodedBatch {
    return encodeBatch(examples, this.#vocabulary, this.#config.rows, this.#columns);
  }

  trainStep(step: number): Record<string, MetricValue> {
    const batch = this.encode(this.batchAt(step));
    const masks = this.#dropoutMasks(step, batch.size);
    const variables = this.#model.namedVariables.map(({ variable }) => variable);
    const { huberDelta, lambda } = this.#config;
    const { value, grads } = tf.variableGrads(
      () => programLoss(this.#model.answer(batch, 'soft', masks), batch, huberDelta, lambda),
      variables,
    );
    if (masks !== null) tf.dispose([masks.question, ...masks.history]);
    const gradients = variables.map((variable) => ({
      name: variable.name,
      tensor: grads[variable.name] as tf.Tensor,
    }));
    try {
      this.#context.optimizer.applyGradients(gradients);
    } finally {
      tf.dispose(gradients.map(({ tensor }) => tensor));
    }
    return { loss: value };
  }

  /**
   * The answers of the program chosen by `selection` to `examples`, with the batch they were
   * encoded in: scalars `[N]`, lookups `[N, R, C]` and the operation index of each step `[N, T]`.
   * Read synchronously: on `cpu`, `wasm` or `tensorflow` only (see {@link predictAsync}).
   */
  predict(examples: readonly TableQuestion[], selection: Selection): Prediction[] {
    if (!hostReadable()) {
      throw failedPrecondition(
        `neural_programmer: predict reads synchronously, which the ${tf.getBackend()} backend cannot; use predictAsync`,
      );
    }
    const out: Prediction[] = [];
    for (const { batch, answers } of this.#answers(examples, selection)) {
      try {
        out.push({
          batch,
          scalar: answers.scalar.dataSync() as Float32Array,
          lookup: answers.lookup.dataSync() as Float32Array,
          program: answers.program.dataSync() as Int32Array,
        });
      } finally {
        tf.dispose([answers.scalar, answers.lookup, answers.program]);
      }
    }
    return out;
  }

  /** {@link predict} on any backend, each chunk's answers read with `await data()`. */
  async predictAsync(examples: readonly TableQuestion[], selection: Selection): Promise<Prediction[]> {
    const out: Prediction[] = [];
    for (const { batch, answers } of this.#answers(examples, selection)) {
      try {
        const [scalar, lookup, program] = await Promise.all([
          answers.scalar.data<'float32'>(),
          answers.lookup.data<'float32'>(),
          answers.program.data<'int32'>(),
        ]);
        out.push({ batch, scalar, lookup, program });
      } finally {
        tf.dispose([answers.scalar, answers.lookup, answers.program]);
      }
    }
    return out;
  }

  /** Accuracy of the program chosen by `selection` on `examples`, read synchronously (see `predict`). */
  accuracy(examples: readonly TableQuestion[], selection: Selection = 'hard'): number {
    return accuracyOf(this.predict(examples, selection), examples.length);
  }

  /** {@link accuracy} on any backend; `evaluate` uses it with `hard`. */
  async accuracyAsync(examples: readonly TableQuestion[], selection: Selection = 'hard'): Promise<number> {
    return accuracyOf(await this.predictAsync(examples, selection), examples.length);
  }

  async evaluate(_step: number): Promise<Record<string, number>> {
    const { train, validation, test } = this.splits;
    const metrics = {
      train_accuracy: await this.accuracyAsync(train.slice(0, this.#config.evalSize)),
      validation_accuracy: await this.accuracyAsync(validation),
      test_accuracy: await this.accuracyAsync(test),
    };
    const { solvedAccuracy } = this.#config;
    this.#solved = solvedAccuracy !== undefined && metrics.test_accuracy >= solvedAccuracy;
    return metrics;
  }

  /** The model's answers to `examples` in chunks of {@link EVAL_CHUNK}; the caller disposes each. */
  *#answers(
    examples: readonly TableQuestion[],
    selection: Selection,
  ): Generator<{ readonly batch: EncodedBatch; readonly answers: Answers }> {
    for (let start = 0; start < examples.length; start += EVAL_CHUNK) {
      const batch = this.encode(examples.slice(start, start + EVAL_CHUNK));
      yield { batch, answers: tf.tidy(() => ({ ...this.#model.answer(batch, selection, null) })) };
    }
  }

  /** Solved when `solvedAccuracy` is set and the latest evaluation's test accuracy reached it. */
  isSolved(): boolean {
    return this.#solved;
  }

  parameterNames(): ReadonlyMap<string, string> {
    return parameterNamesOf(this.#model.namedVariables);
  }

  exportState(): TrainerState {
    const tensors = cloneNamedVariables(this.#model.namedVariables);
    return { tensors, meta: { format: STATE_FORMAT } };
  }

  importState(state: TrainerState): void {
    if (state.meta.format !== STATE_FORMAT) {
      throw failedPrecondition(
        `neural_programmer checkpoint: unknown format ${JSON.stringify(state.meta.format)}`,
      );
    }
    assignNamedVariables('neural_programmer', this.#model.namedVariables, state.tensors);
  }

  dispose(): void {
    this.#model.dispose();
  }

  #dropoutMasks(step: number, size: number): DropoutMasks | null {
    const { dropout, hiddenSize, steps } = this.#config;
    if (dropout === 0) return null;
    const { streams } = this.#context;
    const mask = (layer: number) =>
      dropoutMask(streams, step, layer, [size, hiddenSize], dropout) as tf.Tensor2D;
    return { question: mask(0), history: Array.from({ length: steps }, (_, t) => mask(t + 1)) };
  }
}
