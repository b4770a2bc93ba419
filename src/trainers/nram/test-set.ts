import * as tf from '@tensorflow/tfjs';
import { type ListKBatch, listKBatch, type RandomIntegers } from '../../data/tasks/index.js';
import type { NramConfig } from './config.js';
import { NramMachine } from './machine.js';

/** Examples per forward pass in `evaluate`, bounding its memory. */
const EVAL_CHUNK = 250;

/** One chunk of the test set: its targets, and the model's answers and mean loss on it. */
export interface TestChunk {
  readonly targets: Int32Array;
  readonly size: number;
  readonly predicted: tf.Tensor;
  readonly loss: tf.Tensor;
}

/**
 * The fixed test set (`evalExamples` lists of `maxListLength` nodes drawn from `random`, the
 * hardest difficulty of paper §4.4) in chunks of {@link EVAL_CHUNK}: the machine's argmax answers
 * and mean loss on each, for the caller to read (synchronously or not) and pass to {@link addChunk}.
 */
export function* testChunks(
  machine: NramMachine,
  config: NramConfig,
  random: RandomIntegers,
): Generator<TestChunk> {
  for (const chunk of testBatches(config, random)) {
    const size = chunk.batchSize;
    const [predicted, loss] = tf.tidy(() => {
      const [memory, targets] = inputs(chunk);
      const run = machine.run(memory);
      return [tf.argMax(NramMachine.answer(run), 1), NramMachine.loss(run, targets)];
    });
    yield { targets: chunk.targets, size, predicted, loss };
  }
}

/** The fixed test set of {@link testChunks} as batches of at most {@link EVAL_CHUNK} examples. */
export function* testBatches(config: NramConfig, random: RandomIntegers): Generator<ListKBatch> {
  const { evalExamples, maxListLength, memorySize } = config;
  const all = listKBatch(memorySize, new Array<number>(evalExamples).fill(maxListLength), random);
  for (let start = 0; start < evalExamples; start += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, evalExamples - start);
    yield {
      ...all,
      batchSize: size,
      memory: all.memory.subarray(start * memorySize, (start + size) * memorySize),
      targets: all.targets.subarray(start, start + size),
      lengths: all.lengths.subarray(start, start + size),
    };
  }
}

/** Adds a chunk's read answers and loss to `totals` (right answers, loss × examples), then disposes it. */
export function addChunk(
  totals: { right: number; loss: number },
  chunk: TestChunk,
  predicted: ArrayLike<number>,
  loss: ArrayLike<number>,
): void {
  tf.dispose([chunk.predicted, chunk.loss]);
  totals.loss += (loss[0] as number) * chunk.size;
  chunk.targets.forEach((target, i) => {
    if (predicted[i] === target) totals.right += 1;
  });
}

/** The batch's memories `[B, M]` and targets `[B]` as int32 tensors. */
export function inputs(batch: ListKBatch): [tf.Tensor2D, tf.Tensor1D] {
  return [
    tf.tensor2d(batch.memory, [batch.batchSize, batch.memorySize], 'int32'),
    tf.tensor1d(batch.targets, 'int32'),
  ];
}
