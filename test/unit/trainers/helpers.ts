import * as tf from '@tensorflow/tfjs';
import { CURRENT_STREAM_VERSION, type RunStreams, runStreams } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { createInnerOptimizer, createNoisyOptimizer, type NoisyOptimizer } from '../../../src/optim/index.js';
import type { MetricValue, TrainerContext, TrainerState } from '../../../src/trainers/index.js';

/** Plain SGD wrapped in the noisy optimizer; `eta` 0 is the no-noise arm. */
export function sgd(seed: number, learningRate: number, eta: number): NoisyOptimizer {
  return createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate }), { eta, seed });
}

/** The streams of `seed` in the version new runs get. */
export function streamsOf(seed: number): RunStreams {
  return runStreams(seed, CURRENT_STREAM_VERSION);
}

export function context(seed: number, optimizer: NoisyOptimizer): TrainerContext {
  return { streams: streamsOf(seed), optimizer, backend: tf.getBackend(), dataRoots: ANY_DATA_DIR };
}

/** Reads a metric as the runtime would: numbers as they are, scalar tensors read then disposed. */
export function readMetric(value: MetricValue | undefined): number {
  if (value === undefined) throw new Error('metric missing');
  if (typeof value === 'number') return value;
  const n = value.dataSync()[0] as number;
  value.dispose();
  return n;
}

/** Reads and disposes every metric of a step. */
export function readMetrics(metrics: Record<string, MetricValue>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, readMetric(v)]));
}

/** Copies of an exported state's weights, by name; disposes the tensors, which the export handed over. */
export function exportedWeights(state: TrainerState): Map<string, Float32Array> {
  const out = snapshot(state.tensors);
  tf.dispose(state.tensors.map(({ tensor }) => tensor));
  return out;
}

/** Copies of tensors' values, by name. */
export function snapshot(
  tensors: ReadonlyArray<{ name: string; tensor: tf.Tensor }>,
): Map<string, Float32Array> {
  return new Map(tensors.map(({ name, tensor }) => [name, Float32Array.from(tensor.dataSync())]));
}
