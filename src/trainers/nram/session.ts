import * as tf from '@tensorflow/tfjs';
import { failedPrecondition, Stream } from '../../core/index.js';
import { type ListKBatch, listKBatch } from '../../data/tasks/index.js';
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

/** Examples per forward pass in `evaluate`, bounding its memory. */
const EVAL_CHUNK = 250;

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
 */
export class NramSession implements TrainerSession {
  readonly #config: NramConfig;
  readonly #context: TrainerContext;
  readonly #machine: NramMachine;
  readonly #options: CurriculumOptions;
  #curriculum: CurriculumState;
  /** Whether the latest evaluation answered every test example right. */
  #solved = false;

  constructor(config: NramConfig, context: TrainerContext) {
    this.#config = config;
    this.#context = context;
    this.#machine = new NramMachine(config, context.streams);
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

  trainStep(step: number): Record<string, MetricValue> {
    const { streams } = this.#context;
    const { batchSize, memorySize, entropyBonus, entropyDecay } = this.#config;
    const lengths = sampleLengths(
      this.#curriculum,
      this.#options,
      batchSize,
      streams.stream(Stream.dataOrder, step),
    );
    const batch = listKBatch(memorySize, lengths, streams.stream(Stream.syntheticData, step));
    const bonus = entropyBonus * entropyDecay ** step;
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
    const predicted = kept.answers?.dataSync() ?? new Int32Array(batchSize).fill(-1);
    kept.answers?.dispose();
    const correct = Array.from(batch.targets, (target, i) => predicted[i] === target);
    this.#curriculum = updateCurriculum(this.#curriculum, this.#options, batch.lengths, correct);
    return {
      loss: value,
      train_accuracy: correct.filter(Boolean).length / batchSize,
      curriculum_length: this.#curriculum.length,
    };
  }

  async evaluate(_step: number): Promise<Record<string, number>> {
    const { accuracy, loss } = this.evaluateTestSet();
    this.#solved = accuracy === 1;
    return { test_accuracy: accuracy, test_loss: loss, curriculum_length: this.#curriculum.length };
  }

  /** Accuracy and mean loss on the fixed test set (lists of `maxListLength` nodes). */
  evaluateTestSet(): { accuracy: number; loss: number } {
    const { evalExamples, maxListLength, memorySize } = this.#config;
    const lengths = new Array<number>(evalExamples).fill(maxListLength);
    const all = listKBatch(memorySize, lengths, this.#context.streams.stream(Stream.dataSplit, 0));
    let right = 0;
    let lossSum = 0;
    for (let start = 0; start < evalExamples; start += EVAL_CHUNK) {
      const size = Math.min(EVAL_CHUNK, evalExamples - start);
      const chunk: ListKBatch = {
        ...all,
        batchSize: size,
        memory: all.memory.subarray(start * memorySize, (start + size) * memorySize),
        targets: all.targets.subarray(start, start + size),
      };
      const [predicted, loss] = tf.tidy(() => {
        const [memory, targets] = inputs(chunk);
        const run = this.#machine.run(memory);
        return [tf.argMax(NramMachine.answer(run), 1), NramMachine.loss(run, targets)];
      });
      const values = predicted.dataSync();
      lossSum += (loss.dataSync()[0] as number) * size;
      tf.dispose([predicted, loss]);
      chunk.targets.forEach((target, i) => {
        if (values[i] === target) right += 1;
      });
    }
    return { accuracy: right / evalExamples, loss: lossSum / evalExamples };
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
    this.#machine.dispose();
  }
}

/** The batch's memories `[B, M]` and targets `[B]` as int32 tensors. */
function inputs(batch: ListKBatch): [tf.Tensor2D, tf.Tensor1D] {
  return [
    tf.tensor2d(batch.memory, [batch.batchSize, batch.memorySize], 'int32'),
    tf.tensor1d(batch.targets, 'int32'),
  ];
}
