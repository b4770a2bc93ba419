import * as tf from '@tensorflow/tfjs';
import type { RunStreams } from '../../core/index.js';
import type { DataSplit, LabeledSet } from '../../data/index.js';
import type { NoisyOptimizer } from '../../optim/index.js';
import type { MetricValue, TrainerSession, TrainerState } from '../types.js';
import { batchSlot, epochPermutation, gatherRows, type HostBatch } from './batching.js';
import type { DenseNet } from './dense-net.js';
import { applyDropout } from './dropout.js';
import { type ClassifierScore, scoreClassifier, softmaxCrossEntropy, splitMetrics } from './metrics.js';

/** Rows per forward pass in `evaluate`: large enough to amortise kernel launches, small in memory. */
const EVAL_BATCH = 1_000;

/** What a {@link ClassifierSession} trains. It takes ownership of `net`. */
export interface ClassifierSessionOptions {
  readonly net: DenseNet;
  readonly data: DataSplit;
  readonly batchSize: number;
  /** Inverted-dropout rate on every hidden layer's activations during training; 0 disables it. */
  readonly dropoutRate: number;
  /** The run's streams: data order and dropout masks are keyed by the step (or epoch). */
  readonly streams: RunStreams;
  readonly optimizer: NoisyOptimizer;
}

/**
 * A training session for a {@link DenseNet} classifier with softmax cross-entropy (the shared
 * engine of the `mlp` and `smoke` trainers).
 *
 * Data path: the samples stay in host memory, and step `s` copies its rows (from the epoch
 * permutation of `batching.ts`) into one input and one label array, uploaded as two tensors. We
 * measured this against keeping the set on the backend and indexing it there: the wasm `Gather`
 * kernel, and wasm `Slice` (which copies its whole source tensor out of the heap on every call),
 * each took far longer than building and uploading the batch (docs/benchmarks.md, "Figures
 * behind the code"). On `cpu` the upload costs nothing (the backend keeps the array).
 * `trainStep` downloads nothing: the loss is returned as a scalar tensor and the gradient norm and
 * noise standard deviation are the numbers the optimizer already recorded in `lastStats`.
 *
 * Metrics: per step `loss`, `grad_norm`, `noise_std`; at evaluation `train_accuracy`,
 * `train_loss`, `test_accuracy`, `test_loss` over the whole splits (dropout off).
 */
export class ClassifierSession implements TrainerSession {
  readonly #net: DenseNet;
  readonly #options: ClassifierSessionOptions;
  /** The permutation of the epoch last trained. */
  #order: { readonly epoch: number; readonly indices: Int32Array } | undefined;

  constructor(options: ClassifierSessionOptions) {
    this.#options = options;
    this.#net = options.net;
  }

  trainStep(step: number): Record<string, MetricValue> {
    const { dropoutRate, streams, optimizer, data } = this.#options;
    const batch = this.hostBatch(step);
    const loss = tf.tidy(() => {
      const { x, y } = upload(batch, data.train.features, data.classes);
      const dropout =
        dropoutRate > 0
          ? (h: tf.Tensor2D, layer: number) => applyDropout(h, streams, step, layer, dropoutRate)
          : undefined;
      const cost = optimizer.minimize(
        () => softmaxCrossEntropy(y, this.#net.logits(x, dropout)),
        true,
        this.#net.variables(),
      );
      // minimize returns the cost when asked to (returnCost = true).
      return cost as tf.Scalar;
    });
    const stats = optimizer.lastStats;
    return { loss, grad_norm: stats.gradGlobalNorm, noise_std: stats.noiseStd };
  }

  /** The inputs and one-hot labels of step `step`, gathered on the host (into `into`: see `gatherRows`). */
  hostBatch(step: number, into?: HostBatch): HostBatch {
    const { batchSize, data } = this.#options;
    const slot = batchSlot(step, data.train.count, batchSize);
    const rows = this.#epochOrder(slot.epoch).subarray(slot.start, slot.start + slot.count);
    return gatherRows(data.train, rows, data.classes, into);
  }

  async evaluate(): Promise<Record<string, number>> {
    const { data } = this.#options;
    return splitMetrics(await this.#score(data.train), await this.#score(data.test));
  }

  /**
   * The weights as `layer{i}/kernel` and `layer{i}/bias`, new tensors owned by the caller (see
   * `TrainerSession.exportState`). `meta` is empty: data order and dropout masks are recomputed
   * from the streams and the step.
   */
  exportState(): TrainerState {
    const tensors = this.#net.namedWeights().map(({ name, tensor }) => ({ name, tensor: tf.clone(tensor) }));
    return { tensors, meta: {} };
  }

  importState(state: TrainerState): void {
    this.#net.assignNamed(state.tensors);
  }

  parameterNames(): ReadonlyMap<string, string> {
    return new Map(this.#net.namedWeights().map(({ name, tensor }) => [(tensor as tf.Variable).name, name]));
  }

  dispose(): void {
    this.#order = undefined;
    this.#net.dispose();
  }

  #score(set: LabeledSet): Promise<ClassifierScore> {
    return scoreClassifier((x) => this.#net.logits(x), set, this.#options.data.classes, EVAL_BATCH);
  }

  #epochOrder(epoch: number): Int32Array {
    if (this.#order?.epoch !== epoch) {
      this.#order = {
        epoch,
        indices: epochPermutation(this.#options.streams, epoch, this.#options.data.train.count),
      };
    }
    return this.#order.indices;
  }
}

function upload(batch: HostBatch, features: number, classes: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return {
    x: tf.tensor2d(batch.inputs, [batch.count, features]),
    y: tf.tensor2d(batch.oneHot, [batch.count, classes]),
  };
}
