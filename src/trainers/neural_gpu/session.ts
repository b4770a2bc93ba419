import * as tf from '@tensorflow/tfjs';
import { failedPrecondition, Stream } from '../../core/index.js';
import { type BinaryBatch, binaryBatch } from '../../data/tasks/index.js';
import { dropoutMask } from '../shared/dropout.js';
import { softmaxCrossEntropy } from '../shared/metrics.js';
import { assignNamedVariables, cloneNamedVariables, parameterNamesOf } from '../shared/named-variables.js';
import type { MetricValue, TrainerContext, TrainerSession, TrainerState } from '../types.js';
import { type BatchGradients, batchGradients, type LossHead } from './bptt.js';
import type { NeuralGpuConfig } from './config.js';
import {
  type CurriculumOptions,
  type CurriculumState,
  initialCurriculum,
  parseCurriculum,
  sampleTrainLength,
  updateCurriculum,
} from './curriculum.js';
import { addDigitErrors, countDigitErrors, type DigitErrors, errorRates, NO_DIGIT_ERRORS } from './errors.js';
import { NeuralGpuModel } from './model.js';

/** Examples per forward pass in `evaluate`; bounds memory at long test lengths. */
const EVAL_CHUNK = 32;

/** Version of the `meta` layout written by `exportState`. */
const STATE_FORMAT = 1;

/** Metric names of one evaluated length, e.g. `test_seq_error_len40`. */
export function testMetricNames(length: number): { readonly bitError: string; readonly seqError: string } {
  return { bitError: `test_bit_error_len${length}`, seqError: `test_seq_error_len${length}` };
}

/**
 * One Neural GPU training session (paper §4.5). Step `k` is a pure function of the run's streams,
 * `k`, the weights, the optimizer state and the curriculum state: its operand length comes from
 * stream `(dataOrder, k)`, its examples from `(syntheticData, k)`, its dropout masks from
 * `(dropout, k, layer)`. Evaluation sets are fixed per length: `(dataSplit, length)`.
 *
 * Version-1 runs (`context.streams.version`) keep this trainer's own dropout comparison and
 * cross-entropy of before stream versions; version 2 uses the shared ones.
 */
export class NeuralGpuSession implements TrainerSession {
  readonly #config: NeuralGpuConfig;
  readonly #context: TrainerContext;
  readonly #model: NeuralGpuModel;
  readonly #curriculumOptions: CurriculumOptions;
  #curriculum: CurriculumState;
  /** Whether the latest evaluation met `solvedSeqError` (see `isSolved`). */
  #solved = false;

  constructor(config: NeuralGpuConfig, context: TrainerContext) {
    this.#config = config;
    this.#context = context;
    this.#model = new NeuralGpuModel(config, context.streams);
    this.#curriculumOptions = {
      start: config.curriculumStart,
      maxLength: config.maxTrainLength,
      threshold: config.curriculumThreshold,
      window: config.curriculumWindow,
    };
    this.#curriculum = initialCurriculum(this.#curriculumOptions);
  }

  /** The current curriculum state (for tests and logs). */
  get curriculum(): CurriculumState {
    return this.#curriculum;
  }

  get parameterCount(): number {
    return this.#model.parameterCount;
  }

  trainStep(step: number): Record<string, MetricValue> {
    const { streams } = this.#context;
    const frontier = this.#curriculum.length;
    const length = sampleTrainLength(this.#curriculum, streams.stream(Stream.dataOrder, step));
    const batch = binaryBatch(
      this.#config.task,
      length,
      this.#config.batchSize,
      streams.stream(Stream.syntheticData, step),
    );
    const masks = this.#dropoutMasks(batch, step);
    const inputs = tf.tensor2d(batch.inputs, [batch.batchSize, batch.inputWidth], 'int32');
    let result: BatchGradients;
    try {
      result = batchGradients(this.#model, inputs, masks, this.#head(batch));
    } finally {
      tf.dispose([inputs, ...(masks ?? [])]);
    }
    const { loss, predicted, gradients } = result;
    try {
      this.#context.optimizer.applyGradients(gradients);
    } finally {
      tf.dispose(gradients.map(({ tensor }) => tensor));
    }
    const errors = countDigitErrors(predicted.dataSync(), batch.targets, batch.batchSize, batch.targetWidth);
    predicted.dispose();
    const { bitError, seqError } = errorRates(errors);
    this.#curriculum = updateCurriculum(this.#curriculum, this.#curriculumOptions, length, seqError);
    return {
      loss,
      train_bit_error: bitError,
      train_seq_error: seqError,
      train_length: length,
      // The length at step s is the curriculum after its s-th update, as evaluate() reports it.
      // Version-1 runs reported the length before the update, and replay as recorded.
      curriculum_length: streams.version === 1 ? frontier : this.#curriculum.length,
    };
  }

  async evaluate(_step: number): Promise<Record<string, number>> {
    const { testLengths, evalExamples, solvedSeqError, maxTrainLength } = this.#config;
    const metrics: Record<string, number> = { curriculum_length: this.#curriculum.length };
    let solved = solvedSeqError !== undefined && this.#curriculum.length === maxTrainLength;
    for (const length of testLengths) {
      const { bitError, seqError } = errorRates(this.evaluateLength(length, evalExamples));
      const names = testMetricNames(length);
      metrics[names.bitError] = bitError;
      metrics[names.seqError] = seqError;
      solved &&= seqError <= (solvedSeqError ?? 0);
    }
    this.#solved = solved;
    return metrics;
  }

  /**
   * Solved (`TrainerSession.isSolved`) when `solvedSeqError` is set, the curriculum has reached
   * `maxTrainLength` and the latest evaluation's sequence error is at most `solvedSeqError` at every
   * test length: the model generalises from its training lengths to the test lengths (§4.5).
   */
  isSolved(): boolean {
    return this.#solved;
  }

  /** Digit errors on the fixed held-out set of `examples` examples with operands of `length` digits. */
  evaluateLength(length: number, examples: number): DigitErrors {
    const all = binaryBatch(
      this.#config.task,
      length,
      examples,
      this.#context.streams.stream(Stream.dataSplit, length),
    );
    let total = NO_DIGIT_ERRORS;
    for (let start = 0; start < examples; start += EVAL_CHUNK) {
      const size = Math.min(EVAL_CHUNK, examples - start);
      const chunk: BinaryBatch = {
        ...all,
        batchSize: size,
        inputs: all.inputs.subarray(start * all.inputWidth, (start + size) * all.inputWidth),
        targets: all.targets.subarray(start * all.targetWidth, (start + size) * all.targetWidth),
      };
      const predicted = tf.tidy(() => {
        const inputs = tf.tensor2d(chunk.inputs, [size, chunk.inputWidth], 'int32');
        return this.#head(chunk).predict(this.#model.logits(inputs, null));
      });
      const values = predicted.dataSync();
      predicted.dispose();
      total = addDigitErrors(total, countDigitErrors(values, chunk.targets, size, chunk.targetWidth));
    }
    return total;
  }

  parameterNames(): ReadonlyMap<string, string> {
    return parameterNamesOf(this.#model.namedVariables);
  }

  /** The weights, new tensors owned by the caller (see `TrainerSession.exportState`), and the curriculum. */
  exportState(): TrainerState {
    const tensors = cloneNamedVariables(this.#model.namedVariables);
    return { tensors, meta: { format: STATE_FORMAT, curriculum: { ...this.#curriculum } } };
  }

  importState(state: TrainerState): void {
    if (state.meta.format !== STATE_FORMAT) {
      throw failedPrecondition(`neural_gpu checkpoint: unknown format ${JSON.stringify(state.meta.format)}`);
    }
    const curriculum = parseCurriculum(state.meta.curriculum, this.#curriculumOptions);
    assignNamedVariables('neural_gpu', this.#model.namedVariables, state.tensors);
    this.#curriculum = curriculum;
  }

  dispose(): void {
    this.#model.dispose();
  }

  /** Mean cross-entropy over the result digits, and argmax digits `[batch, targetWidth]`. */
  #head(batch: BinaryBatch): LossHead {
    const rows = batch.batchSize * batch.targetWidth;
    const formula = this.#context.streams.version === 1 ? 'log-softmax' : 'fused';
    const resultLogits = (logits: tf.Tensor3D): tf.Tensor2D =>
      tf.reshape(tf.slice(logits, [0, 0, 0], [batch.batchSize, batch.targetWidth, -1]), [rows, -1]);
    return {
      loss: (logits) =>
        tf.tidy(() => {
          const flat = resultLogits(logits);
          const labels = tf.oneHot(tf.tensor1d(batch.targets, 'int32'), flat.shape[1]) as tf.Tensor2D;
          return softmaxCrossEntropy(labels, flat, formula);
        }),
      predict: (logits) =>
        tf.tidy(() => tf.reshape(tf.argMax(resultLogits(logits), 1), [batch.batchSize, batch.targetWidth])),
    };
  }

  /** One candidate-dropout multiplier per layer for training step `step`, or null without dropout. */
  #dropoutMasks(batch: BinaryBatch, step: number): tf.Tensor4D[] | null {
    const { dropoutRate, layers, height, maps } = this.#config;
    if (dropoutRate === 0) return null;
    const { streams } = this.#context;
    const shape = [batch.batchSize, batch.inputWidth, height, maps];
    const comparison = streams.version === 1 ? 'keep-if-below-keep' : 'drop-if-below-rate';
    return Array.from(
      { length: layers },
      (_, layer) => dropoutMask(streams, step, layer, shape, dropoutRate, comparison) as tf.Tensor4D,
    );
  }
}
