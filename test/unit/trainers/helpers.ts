import * as tf from '@tensorflow/tfjs';
import { CURRENT_STREAM_VERSION, type RunStreams, runStreams } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { createInnerOptimizer, createNoisyOptimizer, type NoisyOptimizer } from '../../../src/optim/index.js';
import type {
  MetricValue,
  TrainerContext,
  TrainerSession,
  TrainerState,
} from '../../../src/trainers/index.js';

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

/** max |a − b| / max |b|, and max |b|: how far a native result is from its tfjs reference. */
export function relativeDifference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): { relative: number; scale: number } {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < b.length; i += 1) {
    scale = Math.max(scale, Math.abs(b[i] as number));
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
  }
  return { relative: diff / scale, scale };
}

/**
 * A run cut at step `cut` and resumed to `total` as the runtime resumes one: the session's and the
 * optimizer's state exported (the meta through JSON, as a checkpoint stores it), both disposed,
 * then imported into a fresh session whose optimizer starts from another seed (the imported state
 * replaces it). Returns the metrics of both halves, in order, and the resumed session and
 * optimizer, which the caller disposes.
 */
export function resumeMidRun<S extends TrainerSession, M>(
  newOptimizer: (seed: number) => NoisyOptimizer,
  newSession: (optimizer: NoisyOptimizer) => S,
  train: (s: S, from: number, to: number) => M[],
  cut: number,
  total: number,
  atCut: (s: S) => void = () => {},
): { metrics: M[]; session: S; optimizer: NoisyOptimizer } {
  const optimizer = newOptimizer(11);
  const before = newSession(optimizer);
  const metricsBefore = train(before, 0, cut);
  atCut(before);
  const state = before.exportState();
  const optimizerState = optimizer.exportState();
  const meta = JSON.parse(JSON.stringify(state.meta)) as Record<string, unknown>;
  before.dispose();
  optimizer.dispose();
  const resumedOptimizer = newOptimizer(999);
  const resumed = newSession(resumedOptimizer);
  resumed.importState({ tensors: state.tensors, meta });
  resumedOptimizer.importState(optimizerState);
  tf.dispose([...state.tensors, ...optimizerState.inner].map((t) => t.tensor));
  const metricsAfter = train(resumed, cut, total);
  return { metrics: [...metricsBefore, ...metricsAfter], session: resumed, optimizer: resumedOptimizer };
}

/**
 * Adam at `learningRate` behind the noisy optimizer as the worker builds a run's (clipping at
 * global norm `clip`, then annealed noise η, γ = 0.55, gradients overwritten in place).
 */
export function noisyAdam(seed: number, learningRate: number, eta: number, clip = 10): NoisyOptimizer {
  return createNoisyOptimizer(createInnerOptimizer({ kind: 'adam', learningRate }), {
    eta,
    gamma: 0.55,
    seed,
    clip: { byGlobalNorm: clip },
    overwriteGradients: true,
  });
}
