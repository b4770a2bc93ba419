import * as tf from '@tensorflow/tfjs';
import type { RunSpec } from '../../src/core/index.js';
import type { RunRequest } from '../../src/runs/compile-spec.js';
import {
  type EncodedBatch,
  type NeuralProgrammerConfig,
  type NeuralProgrammerSession,
  operationsFor,
  tableVocabulary,
} from '../../src/trainers/neural_programmer/index.js';

/**
 * What the Neural Programmer speed benchmark trains (issue 19, "Speed"; paper §4.3), and the export
 * the PyTorch reference (`bench/neural_programmer/torch_child.py`) reads so that both arms train on
 * the same encoded batches.
 *
 * Two runs: `speed`, the trainer's default config (five numeric columns, 30 rows, the full
 * templates, hidden 64, T = 4, batch 20) with the trainer's default Adam, clip and noise, which the
 * arms time; `learn`, an easy config (one column, sum/count questions, one program step) short
 * enough to train to its answer in seconds, which shows that the PyTorch model learns as the TS one
 * does.
 */

/** Seed of both runs (init, data and order streams). */
export const NP_BENCH_SEED = 1;

/**
 * Distinct training batches exported for the speed run; step k trains on batch k mod this, on both
 * arms. Enough that a block of steps is not one batch over and over, few enough that the JSON stays
 * a few megabytes.
 */
export const SPEED_BATCHES = 50;

/** The trainer's defaults: what `StartRun` with only `trainer: neural_programmer` trains. */
export function npSpeedRequest(seed: number): RunRequest {
  return { trainer: 'neural_programmer', seed };
}

/**
 * The learning test's one-column sum/count task (`test/unit/trainers/neural_programmer/
 * learning.test.ts`): tables of 2–6 rows, "sum of alpha" / "how many rows", one program step,
 * hidden 16, 200 questions in batches of 10, Adam at 0.05 with the default clip and noise η = 1.
 */
export function npLearnRequest(seed: number): RunRequest {
  return {
    trainer: 'neural_programmer',
    seed,
    trainerConfig: {
      columns: 1,
      rows: 6,
      templates: 'sum_count',
      hiddenSize: 16,
      steps: 1,
      datasetSize: 200,
      evalSize: 100,
      batchSize: 10,
    },
    optimizer: { learningRate: 0.05 },
  };
}

/** An {@link EncodedBatch} with its typed arrays as plain arrays (same names, same layouts). */
export type ExportedBatch = {
  readonly [K in keyof EncodedBatch]: EncodedBatch[K] extends number ? number : number[];
};

/** One weight of the initial model, row-major. */
export interface ExportedWeight {
  readonly shape: number[];
  readonly values: number[];
}

/** A run as the PyTorch reference reads it. */
export interface ExportedRun {
  readonly vocabularySize: number;
  readonly hiddenSize: number;
  /** Program steps T. */
  readonly steps: number;
  /** The operations the selector chooses from, in the model's order. */
  readonly operations: string[];
  readonly huberDelta: number;
  readonly lambda: number;
  /** Adam (`spec.optimizer`, every field filled by `compileRunSpec`). */
  readonly adam: { learningRate: number; beta1: number; beta2: number; epsilon: number };
  /** Global-norm clip before the noise; null: none. */
  readonly clipGlobalNorm: number | null;
  /** The noisy arm's η and γ (Eq. 1); the plain arm uses η = 0. */
  readonly noise: { eta: number; gamma: number };
  /** Training batches of steps 0 … n − 1 (`session.batchAt`, encoded); step k trains on `train[k mod n]`. */
  readonly train: ExportedBatch[];
  /** The test split in the chunks `session.predict` encodes (100 questions). */
  readonly test: ExportedBatch[];
  /** The model's initial weights by variable name, when the reference is to start from them. */
  readonly initial?: Record<string, ExportedWeight>;
}

/** `batch` with plain arrays, for JSON. */
export function exportBatch(batch: EncodedBatch): ExportedBatch {
  return Object.fromEntries(
    Object.entries(batch).map(([key, value]) => [
      key,
      typeof value === 'number' ? value : Array.from(value as ArrayLike<number>),
    ]),
  ) as unknown as ExportedBatch;
}

/** Test questions per encoded chunk, as `NeuralProgrammerSession.predict` chunks them. */
const TEST_CHUNK = 100;

/**
 * The export of `session`, built from `spec`: the encoded batches of its first `batches` training
 * steps, its test split in chunks, and with `withWeights` its current (initial) weights.
 */
export function exportRun(
  session: NeuralProgrammerSession,
  spec: RunSpec,
  options: { readonly batches: number; readonly withWeights: boolean },
): ExportedRun {
  const config = spec.trainerConfig as unknown as NeuralProgrammerConfig;
  const { optimizer, clip, noise } = spec;
  // What the reference implements; anything else would time a different step.
  if (optimizer.kind !== 'adam') throw new Error(`the reference trains Adam; the spec has ${optimizer.kind}`);
  if (clip.byValue !== undefined || clip.byTensorNorm !== undefined)
    throw new Error(`the reference clips by global norm only; the spec has ${JSON.stringify(clip)}`);
  if (noise.schedule !== 'annealed' || noise.stepsPerTick !== 1 || noise.target !== 'gradient')
    throw new Error('the reference adds annealed gradient noise advancing every step');
  if (config.dropout !== 0) throw new Error(`the reference has no dropout; the config has ${config.dropout}`);
  const test = session.splits.test;
  const chunks: ExportedBatch[] = [];
  for (let start = 0; start < test.length; start += TEST_CHUNK) {
    chunks.push(exportBatch(session.encode(test.slice(start, start + TEST_CHUNK))));
  }
  let initial: Record<string, ExportedWeight> | undefined;
  if (options.withWeights) {
    const { tensors } = session.exportState();
    initial = Object.fromEntries(
      tensors.map(({ name, tensor }) => [
        name,
        { shape: [...tensor.shape], values: Array.from(tensor.dataSync()) },
      ]),
    );
    tf.dispose(tensors.map(({ tensor }) => tensor));
  }
  return {
    vocabularySize: tableVocabulary().size,
    hiddenSize: config.hiddenSize,
    steps: config.steps,
    operations: [...operationsFor(config.textColumn)],
    huberDelta: config.huberDelta,
    lambda: config.lambda,
    adam: {
      learningRate: optimizer.learningRate,
      beta1: optimizer.beta1 as number,
      beta2: optimizer.beta2 as number,
      epsilon: optimizer.epsilon as number,
    },
    clipGlobalNorm: clip.byGlobalNorm ?? null,
    noise: { eta: noise.eta, gamma: noise.gamma },
    train: Array.from({ length: options.batches }, (_, k) => exportBatch(session.encode(session.batchAt(k)))),
    test: chunks,
    ...(initial === undefined ? {} : { initial }),
  };
}
