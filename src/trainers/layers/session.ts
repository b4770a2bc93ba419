import * as tf from '@tensorflow/tfjs';
import { type RunStreams, Stream } from '../../core/index.js';
import type { ArraySet, ArraySplit } from '../../data/index.js';
import type { NoisyOptimizer } from '../../optim/index.js';
import { batchSlot, epochPermutation } from '../shared/batching.js';
import { assignNamedVariables, cloneNamedVariables, parameterNamesOf } from '../shared/named-variables.js';
import type { MetricValue, TrainerSession, TrainerState } from '../types.js';
import type { BuiltModel } from './build.js';
import type { LayersConfig } from './config.js';
import { accuracyPerSample, lossOf, msePerSample, perSample, probabilities } from './losses.js';
import type { Shape } from './topology/index.js';

/** Rows per forward pass in `evaluate`. */
const EVAL_BATCH = 500;

const size = (s: Shape) => s.reduce((a, b) => a * b, 1);

/** What a {@link LayersSession} trains; it takes ownership of `built`. */
export interface LayersSessionOptions {
  readonly config: LayersConfig;
  readonly built: BuiltModel;
  readonly data: ArraySplit;
  /** Per-sample shapes the model reads and the loss compares against (the data reshaped to them). */
  readonly inputShape: Shape;
  readonly targetShape: Shape;
  readonly streams: RunStreams;
  readonly optimizer: NoisyOptimizer;
}

/**
 * A training session of a user-described tfjs-layers model, step by step with the run's noisy
 * optimizer (clip → noise → inner, src/optim), never through `model.fit`.
 *
 * Step `s` takes the batch `batchSlot(s)` of the epoch permutation (src/trainers/shared/batching.ts),
 * runs the model in training mode, and minimizes the Keras loss over the trainable weights. Dropout
 * layers draw their masks from a seed set per (step, layer) from Stream.dropout, so a resumed run
 * draws the masks an uninterrupted one would. The checkpoint holds every weight, BatchNormalization's
 * moving statistics included, under `layer/weight` names (see `build.ts`); `meta` is empty.
 */
export class LayersSession implements TrainerSession {
  readonly #o: LayersSessionOptions;
  #order: { readonly epoch: number; readonly indices: Int32Array } | undefined;

  constructor(options: LayersSessionOptions) {
    this.#o = options;
  }

  trainStep(step: number): Record<string, MetricValue> {
    const { config, built, data, streams, optimizer } = this.#o;
    const slot = batchSlot(step, data.train.count, config.batchSize);
    const rows = this.#epochOrder(slot.epoch).subarray(slot.start, slot.start + slot.count);
    for (const [i, layer] of built.dropouts.entries()) {
      // tfjs' Dropout passes its `seed` to tf.dropout, which then draws from seedrandom, not Math.random.
      (layer as unknown as { seed: number }).seed = streams.stream(Stream.dropout, step, i).uint32();
    }
    const loss = tf.tidy(() => {
      const { x, y } = this.#upload(data.train, rows);
      const cost = optimizer.minimize(
        () =>
          lossOf(config.loss, config.fromLogits, y, built.model.apply(x, { training: true }) as tf.Tensor),
        true,
        built.trainable as tf.Variable[],
      );
      return cost as tf.Scalar;
    });
    const stats = optimizer.lastStats;
    return { loss, grad_norm: stats.gradGlobalNorm, noise_std: stats.noiseStd };
  }

  async evaluate(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [split, set] of [
      ['train', this.#o.data.train],
      ['test', this.#o.data.test],
    ] as const) {
      const score = await this.#score(set);
      out[`${split}_loss`] = score.loss;
      if (this.#o.config.metrics.accuracy) out[`${split}_accuracy`] = score.accuracy;
      if (this.#o.config.metrics.mse) out[`${split}_mse`] = score.mse;
    }
    return out;
  }

  exportState(): TrainerState {
    return { tensors: cloneNamedVariables(this.#o.built.weights), meta: {} };
  }

  importState(state: TrainerState): void {
    assignNamedVariables('layers', this.#o.built.weights, state.tensors);
  }

  parameterNames(): ReadonlyMap<string, string> {
    return parameterNamesOf(this.#o.built.weights);
  }

  dispose(): void {
    this.#order = undefined;
    this.#o.built.model.dispose();
  }

  /** Sums over the whole set in batches, read back once per batch. */
  async #score(set: ArraySet): Promise<{ loss: number; accuracy: number; mse: number }> {
    const { config, built } = this.#o;
    let loss = 0;
    let accuracy = 0;
    let mse = 0;
    for (let start = 0; start < set.count; start += EVAL_BATCH) {
      const count = Math.min(EVAL_BATCH, set.count - start);
      const rows = Int32Array.from({ length: count }, (_, i) => start + i);
      const sums = tf.tidy(() => {
        const { x, y } = this.#upload(set, rows);
        const output = built.model.apply(x, { training: false }) as tf.Tensor;
        const probs = probabilities(config.loss, config.fromLogits, output);
        return tf.stack([
          tf.sum(perSample(config.loss, config.fromLogits, y, output)),
          config.metrics.accuracy ? tf.sum(accuracyPerSample(config.loss, y, probs)) : tf.scalar(0),
          config.metrics.mse ? tf.sum(msePerSample(config.loss, y, probs)) : tf.scalar(0),
        ]);
      });
      const values = await sums.data();
      sums.dispose();
      loss += values[0] as number;
      accuracy += values[1] as number;
      mse += values[2] as number;
    }
    return { loss: loss / set.count, accuracy: accuracy / set.count, mse: mse / set.count };
  }

  /** The rows of `set` as a batch in the model's input shape and the loss's target shape. */
  #upload(set: ArraySet, rows: ArrayLike<number>): { x: tf.Tensor; y: tf.Tensor } {
    const { inputShape, targetShape } = this.#o;
    const xSize = size(set.xShape);
    const ySize = size(set.yShape);
    const n = rows.length;
    const x = new Float32Array(n * xSize);
    const y = new Float32Array(n * ySize);
    for (let i = 0; i < n; i += 1) {
      const r = rows[i] as number;
      x.set(set.x.subarray(r * xSize, (r + 1) * xSize), i * xSize);
      y.set(set.y.subarray(r * ySize, (r + 1) * ySize), i * ySize);
    }
    return { x: tf.tensor(x, [n, ...inputShape]), y: tf.tensor(y, [n, ...targetShape]) };
  }

  #epochOrder(epoch: number): Int32Array {
    if (this.#order?.epoch !== epoch) {
      this.#order = { epoch, indices: epochPermutation(this.#o.streams, epoch, this.#o.data.train.count) };
    }
    return this.#order.indices;
  }
}
