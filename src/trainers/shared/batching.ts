import { type RunStreams, Stream } from '../../core/index.js';
import type { LabeledSet } from '../../data/index.js';

/**
 * Mini-batches as a pure function of (seed, step).
 *
 * Epoch `e` visits the training set in the order `permutation(seed, e)`; step `s` belongs to epoch
 * `floor(s / stepsPerEpoch)` and takes the next `batchSize` positions of that order. The last batch
 * of an epoch is short when `batchSize` does not divide the set (it is not padded, so every sample
 * is seen exactly once per epoch). Nothing depends on earlier steps, so a session resumed at step
 * `k` draws exactly the batches an uninterrupted one would.
 */

/** Steps of one epoch: `ceil(size / batchSize)`. */
export function stepsPerEpoch(size: number, batchSize: number): number {
  return Math.ceil(size / batchSize);
}

/** Where step `step` reads: the epoch, and the range [start, start + count) of its permutation. */
export interface BatchSlot {
  readonly epoch: number;
  readonly start: number;
  readonly count: number;
}

/** The epoch and permutation range of `step` for a set of `size` samples. */
export function batchSlot(step: number, size: number, batchSize: number): BatchSlot {
  const perEpoch = stepsPerEpoch(size, batchSize);
  const epoch = Math.floor(step / perEpoch);
  const start = (step - epoch * perEpoch) * batchSize;
  return { epoch, start, count: Math.min(batchSize, size - start) };
}

/** The sample order of epoch `epoch`: a permutation of 0..size-1 from the stream (dataOrder, epoch). */
export function epochPermutation(streams: RunStreams, epoch: number, size: number): Int32Array {
  return streams.stream(Stream.dataOrder, epoch).permutation(size);
}

/** The sample indices of step `step`; a pure function of its arguments. */
export function batchIndices(streams: RunStreams, step: number, size: number, batchSize: number): Int32Array {
  const slot = batchSlot(step, size, batchSize);
  return epochPermutation(streams, slot.epoch, size).subarray(slot.start, slot.start + slot.count);
}

/** A batch assembled on the host: row-major inputs and one-hot labels, ready for one upload each. */
export interface HostBatch {
  readonly inputs: Float32Array;
  readonly oneHot: Float32Array;
  readonly count: number;
}

/**
 * Copies the rows `indices` of `set` into fresh arrays (fresh because the `cpu` backend keeps the
 * array it is given as the tensor's storage), with labels one-hot over `classes`.
 *
 * With `into` (a batch of at least as many rows, which nothing else holds), the rows go into its
 * arrays instead, and the result views their first rows: for a caller that never hands the arrays
 * to a backend (the native mlp step), which so saves two allocations a step.
 */
export function gatherRows(
  set: LabeledSet,
  indices: ArrayLike<number>,
  classes: number,
  into?: HostBatch,
): HostBatch {
  const { features } = set;
  const count = indices.length;
  const inputs =
    into === undefined ? new Float32Array(count * features) : into.inputs.subarray(0, count * features);
  const oneHot =
    into === undefined ? new Float32Array(count * classes) : into.oneHot.subarray(0, count * classes);
  if (into !== undefined) oneHot.fill(0);
  for (let i = 0; i < count; i += 1) {
    const row = indices[i] as number;
    inputs.set(set.inputs.subarray(row * features, (row + 1) * features), i * features);
    oneHot[i * classes + (set.labels[row] as number)] = 1;
  }
  return { inputs, oneHot, count };
}
