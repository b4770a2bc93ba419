import * as tf from '@tensorflow/tfjs';
import { failedPrecondition, Stream } from '../../core/index.js';
import { type ListKBatch, listKBatch } from '../../data/tasks/index.js';
import { hostReadable } from '../../optim/index.js';
import { assignNamedVariables, cloneNamedVariables, parameterNamesOf } from '../shared/named-variables.js';
import type { MetricValue, TrainerContext, TrainerSession, TrainerState } from '../types.js';
import type { NramConfig } from './config.js';
import {
  type CurriculumOptions,
  type CurriculumState,
  initialCurriculum,
  parseCurriculum,
  sampleLengths,
  updateCurriculum,
} from './curriculum.js';
import { NramMachine } from './machine.js';
import { NativeNramStep } from './native-step.js';
import { addChunk, inputs, type TestChunk, testBatches, testChunks } from './test-set.js';

/** Version of the `meta` layout written by `exportState`. */
const STATE_FORMAT = 1;

/**
 * One NRAM training session on ListK (paper §4.4). Step `k` is a pure function of the run's streams,
 * `k`, the weights, the optimizer state and the curriculum state: its list lengths come from stream
 * `(dataOrder, k)`, its memories from `(syntheticData, k)`. The test set is fixed: `(dataSplit, 0)`,
 * `evalExamples` lists of `maxListLength` nodes, the hardest difficulty.
 *
 * The gradient is plain autodiff over the whole unroll, not the shared `bptt` helper: T and M are
 * small (the tape is bounded by `NRAM_LIMITS.tapeCells`), so one tape fits and saves `bptt`'s
 * second forward pass, which matters for a search over many seeds.
 *
 * With `context.nramKernels` (the `native` backend) a step's objective, gradients and answers, and
 * the test set's answers and losses, come from the addon in one call each ({@link NativeNramStep});
 * the batches, the curriculum and the optimizer are the same as on any backend.
 */
export class NramSession implements TrainerSession {
  readonly #config: NramConfig;
  readonly #context: TrainerContext;
  readonly #machine: NramMachine;
  readonly #options: CurriculumOptions;
  /** The native step, with the `native` backend's kernels; else null. */
  readonly #native: NativeNramStep | null;
  #curriculum: CurriculumState;
  /** Whether the latest evaluation answered every test example right. */
  #solved = false;

  constructor(config: NramConfig, context: TrainerContext) {
    this.#config = config;
    this.#context = context;
    this.#machine = new NramMachine(config, context.streams);
    const kernels = context.nramKernels;
    this.#native = kernels === undefined ? null : new NativeNramStep(this.#machine, kernels);
    this.#options = {
      start: config.curriculumStart,
      maxLength: config.maxListLength,
      share: config.frontierShare,
      threshold: config.curriculumThreshold,
      window: config.curriculumWindow,
    };
    this.#curriculum = initialCurriculum(this.#options);
  }

  /** The current curriculum state (for tests and logs). */
  get curriculum(): CurriculumState {
    return this.#curriculum;
  }

  /**
   * Trains step `step` on a backend that reads tensors synchronously (`cpu`, `wasm`, `tensorflow`):
   * the curriculum needs the batch's answers before the next step draws its lengths. Elsewhere
   * (`webgpu` in Node) it fails; {@link trainStepAsync}, the same step with the read awaited, is
   * what the runtime calls.
   */
  trainStep(step: number): Record<string, MetricValue> {
    if (this.#native !== null) return this.#trainNative(this.#native, step);
    if (!hostReadable()) {
      throw failedPrecondition(
        `nram: trainStep reads the batch's answers synchronously, which the ${tf.getBackend()} backend cannot; use trainStepAsync`,
      );
    }
    const pending = this.#train(step);
    try {
      return this.#finish(pending, pending.answers?.dataSync() ?? null);
    } finally {
      pending.answers?.dispose();
    }
  }

  /** {@link trainStep} on any backend: the batch's answers read with `await data()`. */
  async trainStepAsync(step: number): Promise<Record<string, MetricValue>> {
    if (this.#native !== null) return this.#trainNative(this.#native, step);
    const pending = this.#train(step);
    try {
      return this.#finish(pending, (await pending.answers?.data()) ?? null);
    } finally {
      pending.answers?.dispose();
    }
  }

  /** The update of step `step`; its loss and the batch's argmax answers, not read yet. */
  #train(step: number): {
    readonly batch: ListKBatch;
    readonly loss: tf.Scalar;
    readonly answers?: tf.Tensor;
  } {
    const { batch, bonus } = this.#batch(step);
    const variables = this.#machine.namedVariables.map(({ variable }) => variable);
    // The batch's answers, kept out of the tape's scope for the accuracy and the curriculum.
    const kept: { answers?: tf.Tensor } = {};
    const { value, grads } = tf.variableGrads(() => {
      const [memory, targets] = inputs(batch);
      const run = this.#machine.run(memory, bonus !== 0);
      kept.answers = tf.keep(tf.argMax(NramMachine.answer(run), 1));
      const loss = NramMachine.loss(run, targets);
      return run.entropy === null ? loss : tf.sub(loss, tf.mul(run.entropy, bonus));
    }, variables);
    try {
      this.#context.optimizer.applyGradients(
        variables.map((v) => ({ name: v.name, tensor: grads[v.name] as tf.Tensor })),
      );
    } finally {
      tf.dispose(Object.values(grads));
    }
    return { batch, loss: value, ...(kept.answers === undefined ? {} : { answers: kept.answers }) };
  }

  /** Step `step` through the addon: one call, the answers already on the host. */
  #trainNative(native: NativeNramStep, step: number): Record<string, MetricValue> {
    const { batch, bonus } = this.#batch(step);
    const pass = native.train(batch, bonus, this.#context.optimizer);
    return this.#finish({ batch, loss: pass.objective }, pass.answers);
  }

  /** Step `step`'s batch (lengths from the curriculum) and entropy weight. */
  #batch(step: number): { readonly batch: ListKBatch; readonly bonus: number } {
    const { streams } = this.#context;
    const { batchSize, memorySize, entropyBonus, entropyDecay } = this.#config;
    const lengths = sampleLengths(
      this.#curriculum,
      this.#options,
      batchSize,
      streams.stream(Stream.dataOrder, step),
    );
    const batch = listKBatch(memorySize, lengths, streams.stream(Stream.syntheticData, step));
    return { batch, bonus: entropyBonus * entropyDecay ** step };
  }

  /** The curriculum update from the batch's read answers (null: none); the step's metrics. */
  #finish(
    pending: { readonly batch: ListKBatch; readonly loss: MetricValue },
    answers: ArrayLike<number> | null,
  ): Record<string, MetricValue> {
    const { batch, loss } = pending;
    const predicted = answers ?? new Int32Array(batch.batchSize).fill(-1);
    const correct = Array.from(batch.targets, (target, i) => predicted[i] === target);
    this.#curriculum = updateCurriculum(this.#curriculum, this.#options, batch.lengths, correct);
    return {
      loss,
      train_accuracy: correct.filter(Boolean).length / batch.batchSize,
      curriculum_length: this.#curriculum.length,
    };
  }

  async evaluate(_step: number): Promise<Record<string, number>> {
    const { accuracy, loss } = await this.evaluateTestSetAsync();
    this.#solved = accuracy === 1;
    return { test_accuracy: accuracy, test_loss: loss, curriculum_length: this.#curriculum.length };
  }

  /**
   * Accuracy and mean loss on the fixed test set (lists of `maxListLength` nodes), read
   * synchronously: on `cpu`, `wasm` or `tensorflow` only (see {@link evaluateTestSetAsync}).
   */
  evaluateTestSet(): { accuracy: number; loss: number } {
    if (this.#native !== null) return this.#evaluateNative(this.#native);
    if (!hostReadable()) {
      throw failedPrecondition(
        `nram: evaluateTestSet reads synchronously, which the ${tf.getBackend()} backend cannot; use evaluateTestSetAsync`,
      );
    }
    const totals = { right: 0, loss: 0 };
    for (const chunk of this.#testChunks())
      addChunk(totals, chunk, chunk.predicted.dataSync(), chunk.loss.dataSync());
    return {
      accuracy: totals.right / this.#config.evalExamples,
      loss: totals.loss / this.#config.evalExamples,
    };
  }

  /** {@link evaluateTestSet} on any backend, each chunk read with `await data()`. */
  async evaluateTestSetAsync(): Promise<{ accuracy: number; loss: number }> {
    if (this.#native !== null) return this.#evaluateNative(this.#native);
    const totals = { right: 0, loss: 0 };
    for (const chunk of this.#testChunks()) {
      const [predicted, loss] = await Promise.all([chunk.predicted.data(), chunk.loss.data()]);
      addChunk(totals, chunk, predicted, loss);
    }
    return {
      accuracy: totals.right / this.#config.evalExamples,
      loss: totals.loss / this.#config.evalExamples,
    };
  }

  #evaluateNative(native: NativeNramStep): { accuracy: number; loss: number } {
    return native.evaluateAll(testBatches(this.#config, this.#context.streams.stream(Stream.dataSplit, 0)));
  }

  #testChunks(): Generator<TestChunk> {
    return testChunks(this.#machine, this.#config, this.#context.streams.stream(Stream.dataSplit, 0));
  }

  /**
   * Solved (`TrainerSession.isSolved`) when the latest evaluation answered every example of the
   * test set right: 100 % accuracy at the hardest difficulty, the success of paper Table 4.
   */
  isSolved(): boolean {
    return this.#solved;
  }

  parameterNames(): ReadonlyMap<string, string> {
    return parameterNamesOf(this.#machine.namedVariables);
  }

  /** The weights, new tensors owned by the caller, and the curriculum. */
  exportState(): TrainerState {
    const tensors = cloneNamedVariables(this.#machine.namedVariables);
    return { tensors, meta: { format: STATE_FORMAT, curriculum: { ...this.#curriculum } } };
  }

  importState(state: TrainerState): void {
    if (state.meta.format !== STATE_FORMAT) {
      throw failedPrecondition(`nram checkpoint: unknown format ${JSON.stringify(state.meta.format)}`);
    }
    const curriculum = parseCurriculum(state.meta.curriculum, this.#options);
    assignNamedVariables('nram', this.#machine.namedVariables, state.tensors);
    this.#curriculum = curriculum;
  }

  dispose(): void {
    this.#native?.dispose();
    this.#machine.dispose();
  }
}
