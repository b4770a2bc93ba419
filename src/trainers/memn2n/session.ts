import * as tf from '@tensorflow/tfjs';
import { failedPrecondition, Stream } from '../../core/index.js';
import { hostReadable } from '../../optim/index.js';
import { batchSlot, epochPermutation, stepsPerEpoch } from '../shared/batching.js';
import { assignNamedVariables, cloneNamedVariables, parameterNamesOf } from '../shared/named-variables.js';
import { Vocabulary } from '../shared/sequence/index.js';
import type { MetricValue, TrainerContext, TrainerSession, TrainerState } from '../types.js';
import type { MemN2NConfig } from './config.js';
import { type EncodedQuestion, type EncodedTask, memoryBatch } from './encode.js';
import { MemN2NModel } from './model.js';
import { addRead, scoreBatches, scoreOf } from './score.js';

/** The phases of two-stage training (paper §4.2): linear attention first, then softmax. */
export const MEMN2N_PHASES = ['linear_start', 'default'] as const;
type Phase = (typeof MEMN2N_PHASES)[number];

/** Version of the `meta` layout. */
const STATE_FORMAT = 1;

/** Linear start's plateau state: the best validation loss at an epoch's end, and epochs since. */
interface Plateau {
  readonly best: number | null;
  readonly stale: number;
}

/**
 * One MemN2N session. Step `s` is a pure function of the streams, `s`, the weights, the optimizer
 * state, the phase and the plateau: its questions come from epoch `⌊s / stepsPerEpoch⌋`'s
 * permutation (`Stream.dataOrder`), its random time noise from `(Stream.dropout, s)`.
 *
 * Linear start: at the end of every epoch of phase `linear_start` the session scores the
 * validation split; after `linearStartEpochs` epochs, or `linearStartPatience` epochs without a
 * lower validation loss, it switches to `default` (softmax attention) for the next step. The
 * check sits at epoch ends inside `trainStep`, not in `evaluate`, so the switch does not depend on
 * the run's evaluation cadence.
 */
export class MemN2NSession implements TrainerSession {
  readonly #config: MemN2NConfig;
  readonly #context: TrainerContext;
  readonly #task: EncodedTask;
  readonly #model: MemN2NModel;
  readonly #stepsPerEpoch: number;
  #phase: Phase;
  #plateau: Plateau = { best: null, stale: 0 };
  #order: { readonly epoch: number; readonly indices: Int32Array } | undefined;

  constructor(config: MemN2NConfig, task: EncodedTask, context: TrainerContext) {
    this.#config = config;
    this.#context = context;
    this.#task = task;
    this.#stepsPerEpoch = stepsPerEpoch(task.train.length, config.batchSize);
    this.#phase = config.linearStart ? 'linear_start' : 'default';
    this.#model = new MemN2NModel(
      {
        vocabularySize: task.vocabulary.size,
        sentenceLength: task.sentenceLength,
        memorySize: config.memorySize,
        hops: config.hops,
        embeddingSize: config.embeddingSize,
        positionEncoding: config.positionEncoding,
      },
      context.streams,
    );
  }

  get phase(): Phase {
    return this.#phase;
  }

  get model(): MemN2NModel {
    return this.#model;
  }

  /**
   * Trains step `step`. At the end of a linear-start epoch it scores the validation split, a
   * synchronous read: on a backend without one (`webgpu` in Node) that fails, and
   * {@link trainStepAsync}, the same step with the read awaited, is what the runtime calls.
   */
  trainStep(step: number): Record<string, MetricValue> {
    const { loss, epochEnded } = this.#train(step);
    if (epochEnded !== null) this.#endLinearEpoch(epochEnded, this.score(this.#task.validation).loss);
    return { loss };
  }

  /** {@link trainStep} on any backend: the validation score at a linear-start epoch's end is awaited. */
  async trainStepAsync(step: number): Promise<Record<string, MetricValue>> {
    const { loss, epochEnded } = this.#train(step);
    if (epochEnded !== null) {
      this.#endLinearEpoch(epochEnded, (await this.scoreAsync(this.#task.validation)).loss);
    }
    return { loss };
  }

  /** The update of step `step`; `epochEnded` is the linear-start epoch it ended, else null. */
  #train(step: number): { readonly loss: tf.Scalar; readonly epochEnded: number | null } {
    const { batchSize, memorySize, randomTime } = this.#config;
    const { streams, optimizer } = this.#context;
    const slot = batchSlot(step, this.#task.train.length, batchSize);
    const rows = this.#epochOrder(slot.epoch).subarray(slot.start, slot.start + slot.count);
    const questions = Array.from(rows, (row) => this.#task.train[row] as EncodedQuestion);
    const batch = memoryBatch(
      questions,
      memorySize,
      this.#task.sentenceLength,
      randomTime,
      streams.stream(Stream.dropout, step),
    );
    const linear = this.#phase === 'linear_start';
    const loss = tf.tidy(
      () =>
        optimizer.minimize(
          () => {
            const labels = tf.oneHot(tf.tensor1d(batch.answers, 'int32'), this.#task.vocabulary.size);
            const logits = this.#model.logits(batch, linear);
            return tf.losses.softmaxCrossEntropy(
              labels,
              logits,
              undefined,
              undefined,
              tf.Reduction.SUM,
            ) as tf.Scalar;
          },
          true,
          this.#model.namedVariables.map(({ variable }) => variable),
        ) as tf.Scalar,
    );
    this.#model.zeroNil();
    const ended = linear && (step + 1) % this.#stepsPerEpoch === 0;
    return { loss, epochEnded: ended ? (step + 1) / this.#stepsPerEpoch : null };
  }

  async evaluate(_step: number): Promise<Record<string, number>> {
    const train = await this.scoreAsync(this.#task.train);
    const validation = await this.scoreAsync(this.#task.validation);
    const test = await this.scoreAsync(this.#task.test);
    return {
      train_error: train.error,
      validation_error: validation.error,
      validation_loss: validation.loss,
      test_error: test.error,
    };
  }

  /**
   * Error rate and mean cross-entropy over `questions`, in the current phase's attention, read
   * synchronously: on `cpu`, `wasm` or `tensorflow` only (see {@link scoreAsync}).
   */
  score(questions: readonly EncodedQuestion[]): { readonly error: number; readonly loss: number } {
    if (!hostReadable()) {
      throw failedPrecondition(
        `memn2n: score reads synchronously, which the ${tf.getBackend()} backend cannot; use scoreAsync`,
      );
    }
    const sums = [0, 0];
    for (const batch of this.#scoreBatches(questions)) addRead(sums, batch, batch.dataSync());
    return scoreOf(sums, questions.length);
  }

  /** {@link score} on any backend, one `await data()` per batch of questions. */
  async scoreAsync(
    questions: readonly EncodedQuestion[],
  ): Promise<{ readonly error: number; readonly loss: number }> {
    const sums = [0, 0];
    for (const batch of this.#scoreBatches(questions)) addRead(sums, batch, await batch.data());
    return scoreOf(sums, questions.length);
  }

  #scoreBatches(questions: readonly EncodedQuestion[]): Generator<tf.Tensor1D> {
    const linear = this.#phase === 'linear_start';
    return scoreBatches(this.#model, this.#task, this.#config.memorySize, linear, questions);
  }

  parameterNames(): ReadonlyMap<string, string> {
    return parameterNamesOf(this.#model.namedVariables);
  }

  /** The weights (new tensors owned by the caller), the vocabulary and linear start's plateau. */
  exportState(): TrainerState {
    return {
      tensors: cloneNamedVariables(this.#model.namedVariables),
      meta: {
        format: STATE_FORMAT,
        vocabulary: this.#task.vocabulary.toJSON(),
        plateau: { ...this.#plateau },
      },
    };
  }

  importState(state: TrainerState): void {
    const bad = (why: string) => failedPrecondition(`memn2n checkpoint: ${why}`);
    if (state.meta.format !== STATE_FORMAT) throw bad(`unknown format ${JSON.stringify(state.meta.format)}`);
    const stored = Vocabulary.fromJSON(state.meta.vocabulary).tokens;
    const current = this.#task.vocabulary.tokens;
    if (stored.length !== current.length || stored.some((token, i) => token !== current[i])) {
      throw bad('its vocabulary differs from the data read now (the task files changed)');
    }
    const plateau = parsePlateau(state.meta.plateau);
    if (plateau === null) throw bad(`plateau ${JSON.stringify(state.meta.plateau)} is malformed`);
    const phase = state.phase ?? (this.#config.linearStart ? 'linear_start' : 'default');
    if (!(MEMN2N_PHASES as readonly string[]).includes(phase))
      throw bad(`unknown phase ${JSON.stringify(phase)}`);
    assignNamedVariables('memn2n', this.#model.namedVariables, state.tensors);
    this.#plateau = plateau;
    this.#phase = phase as Phase;
  }

  dispose(): void {
    this.#order = undefined;
    this.#model.dispose();
  }

  /** Linear start's check at the end of `epoch`, given the validation split's mean loss. */
  #endLinearEpoch(epoch: number, loss: number): void {
    const better = this.#plateau.best === null || loss < this.#plateau.best;
    this.#plateau = better
      ? { best: loss, stale: 0 }
      : { best: this.#plateau.best, stale: this.#plateau.stale + 1 };
    if (epoch >= this.#config.linearStartEpochs || this.#plateau.stale >= this.#config.linearStartPatience) {
      this.#phase = 'default';
    }
  }

  #epochOrder(epoch: number): Int32Array {
    if (this.#order?.epoch !== epoch) {
      this.#order = {
        epoch,
        indices: epochPermutation(this.#context.streams, epoch, this.#task.train.length),
      };
    }
    return this.#order.indices;
  }
}

function parsePlateau(value: unknown): Plateau | null {
  if (typeof value !== 'object' || value === null) return null;
  const { best, stale } = value as Record<string, unknown>;
  if (!(best === null || (typeof best === 'number' && Number.isFinite(best)))) return null;
  if (!(typeof stale === 'number' && Number.isInteger(stale) && stale >= 0)) return null;
  return { best, stale };
}
