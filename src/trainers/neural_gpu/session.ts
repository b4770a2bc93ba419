import * as tf from '@tensorflow/tfjs';
import { failedPrecondition, Stream } from '../../core/index.js';
import { type BinaryBatch, binaryBatch } from '../../data/tasks/index.js';
import { hostReadable } from '../../optim/index.js';
import { assignNamedVariables, cloneNamedVariables, parameterNamesOf } from '../shared/named-variables.js';
import type { MetricValue, TrainerContext, TrainerSession, TrainerState } from '../types.js';
import type { LossHead } from './bptt.js';
import type { NeuralGpuConfig } from './config.js';
import {
  type CurriculumOptions,
  type CurriculumState,
  initialCurriculum,
  parseCurriculum,
  sampleTrainLength,
  updateCurriculum,
} from './curriculum.js';
import { addDigitErrors, batchDigitErrors, type DigitErrors, errorRates, NO_DIGIT_ERRORS } from './errors.js';
import { chunksOf, digitHead } from './head.js';
import { candidateMaskValues, masksAsTensors } from './masks.js';
import { NeuralGpuModel } from './model.js';
import { NativeNeuralGpuStep } from './native-step.js';
import { trainBatchTfjs, valuesAsync, valuesSync } from './tfjs-step.js';

/** Examples per forward pass in `evaluate`; bounds memory at long test lengths. */
const EVAL_CHUNK = 32;

/** Version of the `meta` layout written by `exportState`. */
const STATE_FORMAT = 1;

/** A step trained on the device whose loss and predictions are not read yet. */
interface PendingStep {
  readonly batch: BinaryBatch;
  /** The batch's operand length, and the curriculum's frontier before the step. */
  readonly length: number;
  readonly frontier: number;
  /** `[loss, ...predicted digits]`: on the device (owned by the step until read), or read already. */
  readonly readout: tf.Tensor1D | Float32Array;
}

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
 *
 * With `context.neuralGpuKernels` (the `native` backend) a step's loss and gradients, and the
 * evaluation's predictions, come from the addon (`native-step.ts`); the batch, masks, optimizer,
 * curriculum and checkpoints are this session's either way. A batch too large for the addon's
 * workspace limit goes through tfjs.
 */
export class NeuralGpuSession implements TrainerSession {
  readonly #config: NeuralGpuConfig;
  readonly #context: TrainerContext;
  readonly #model: NeuralGpuModel;
  readonly #curriculumOptions: CurriculumOptions;
  #curriculum: CurriculumState;
  /** The native step, with the `native` backend's kernels; else null. */
  readonly #native: NativeNeuralGpuStep | null;
  /** Whether the latest evaluation met `solvedSeqError` (see `isSolved`). */
  #solved = false;

  constructor(config: NeuralGpuConfig, context: TrainerContext) {
    this.#config = config;
    this.#context = context;
    this.#model = new NeuralGpuModel(config, context.streams);
    const kernels = context.neuralGpuKernels;
    this.#native = kernels === undefined ? null : new NativeNeuralGpuStep(this.#model, kernels);
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

  /**
   * Trains step `step` on a backend that reads tensors synchronously (`cpu`, `wasm`, `tensorflow`):
   * the curriculum needs the batch's sequence error before the next step draws its length. On any
   * other backend (`webgpu` in Node) it fails; {@link trainStepAsync} is the same step with the
   * read awaited, and what the runtime calls.
   */
  trainStep(step: number): Record<string, MetricValue> {
    if (!hostReadable()) {
      throw failedPrecondition(
        `neural_gpu: trainStep reads the batch's errors synchronously, which the ${tf.getBackend()} backend cannot; use trainStepAsync`,
      );
    }
    const pending = this.#train(step);
    return this.#finish(pending, valuesSync(pending.readout));
  }

  /**
   * Step `step` on any backend: one read per step (`await data()`) of the loss and the batch's
   * predicted digits together, then the curriculum update. The same numbers as {@link trainStep}.
   */
  async trainStepAsync(step: number): Promise<Record<string, MetricValue>> {
    const pending = this.#train(step);
    return this.#finish(pending, await valuesAsync(pending.readout));
  }

  /** The device work of step `step`: gradients, the optimizer's update, and the values to read. */
  #train(step: number): PendingStep {
    const { streams } = this.#context;
    const frontier = this.#curriculum.length;
    const length = sampleTrainLength(this.#curriculum, streams.stream(Stream.dataOrder, step));
    const batch = binaryBatch(
      this.#config.task,
      length,
      this.#config.batchSize,
      streams.stream(Stream.syntheticData, step),
    );
    const maskValues = candidateMaskValues(this.#config, streams, batch, step);
    const { optimizer } = this.#context;
    const native = this.#native?.train(batch, maskValues, optimizer) ?? null;
    if (native !== null) return { batch, length, frontier, readout: native };
    const masks = masksAsTensors(maskValues, this.#config, batch);
    try {
      const readout = trainBatchTfjs(this.#model, batch, masks, this.#head(batch), optimizer);
      return { batch, length, frontier, readout };
    } finally {
      tf.dispose(masks ?? []);
    }
  }

  /** The curriculum update from the step's read `values` (`PendingStep.readout`); its metrics. */
  #finish(pending: PendingStep, values: Float32Array | Int32Array | Uint8Array): Record<string, MetricValue> {
    const { batch, length, frontier } = pending;
    const loss = values[0] ?? Number.NaN;
    const { bitError, seqError } = errorRates(batchDigitErrors(batch, values.subarray(1)));
    this.#curriculum = updateCurriculum(this.#curriculum, this.#curriculumOptions, length, seqError);
    return {
      loss,
      train_bit_error: bitError,
      train_seq_error: seqError,
      train_length: length,
      // The length at step s is the curriculum after its s-th update, as evaluate() reports it.
      // Version-1 runs reported the length before the update, and replay as recorded.
      curriculum_length: this.#context.streams.version === 1 ? frontier : this.#curriculum.length,
    };
  }

  async evaluate(_step: number): Promise<Record<string, number>> {
    const { testLengths, evalExamples, solvedSeqError, maxTrainLength } = this.#config;
    const metrics: Record<string, number> = { curriculum_length: this.#curriculum.length };
    let solved = solvedSeqError !== undefined && this.#curriculum.length === maxTrainLength;
    for (const length of testLengths) {
      const { bitError, seqError } = errorRates(await this.evaluateLengthAsync(length, evalExamples));
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

  /**
   * Digit errors on the fixed held-out set of `examples` examples with operands of `length` digits,
   * read synchronously: on `cpu`, `wasm` or `tensorflow` only (see {@link evaluateLengthAsync}).
   */
  evaluateLength(length: number, examples: number): DigitErrors {
    let total = NO_DIGIT_ERRORS;
    for (const chunk of this.#heldOut(length, examples)) {
      total = addDigitErrors(total, batchDigitErrors(chunk, valuesSync(this.#predict(chunk))));
    }
    return total;
  }

  /** {@link evaluateLength} on any backend, each chunk's predictions read with `await data()`. */
  async evaluateLengthAsync(length: number, examples: number): Promise<DigitErrors> {
    let total = NO_DIGIT_ERRORS;
    for (const chunk of this.#heldOut(length, examples)) {
      total = addDigitErrors(total, batchDigitErrors(chunk, await valuesAsync(this.#predict(chunk))));
    }
    return total;
  }

  /** The held-out set of `length` (stream `(dataSplit, length)`), in chunks of {@link EVAL_CHUNK}. */
  #heldOut(length: number, examples: number): Generator<BinaryBatch> {
    const random = this.#context.streams.stream(Stream.dataSplit, length);
    return chunksOf(binaryBatch(this.#config.task, length, examples, random), EVAL_CHUNK);
  }

  /** Argmax digits `[chunk.batchSize, targetWidth]` of the current model, without dropout. */
  #predict(chunk: BinaryBatch): tf.Tensor | Float32Array {
    const native = this.#native?.predict(chunk);
    if (native !== undefined && native !== null) return native;
    return tf.tidy(() => {
      const inputs = tf.tensor2d(chunk.inputs, [chunk.batchSize, chunk.inputWidth], 'int32');
      return this.#head(chunk).predict(this.#model.logits(inputs, null));
    });
  }

  #head(batch: BinaryBatch): LossHead {
    return digitHead(batch, this.#context.streams.version);
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
    this.#native?.dispose();
    this.#model.dispose();
  }
}
