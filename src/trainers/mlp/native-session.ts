import type { DenseStackKernels } from '../../core/index.js';
import type { DataSplit, LabeledSet } from '../../data/index.js';
import type { NoisyOptimizer } from '../../optim/index.js';
import { readStorage } from '../../optim/index.js';
import type { HostBatch } from '../shared/batching.js';
import type { ClassifierSession } from '../shared/classifier-session.js';
import type { DenseNet } from '../shared/dense-net.js';
import { type ClassifierScore, splitMetrics } from '../shared/metrics.js';
import { NativeGradients } from '../shared/native-gradients.js';
import type { MetricValue, TrainerSession, TrainerState } from '../types.js';
import { scoreNative } from './native-score.js';

/** Rows per forward pass in `evaluate`, as the tfjs session's. */
const EVAL_BATCH = 1_000;

/** What a {@link NativeMlpSession} runs: the tfjs session it steps for, and what it shares with it. */
export interface NativeMlpSessionOptions {
  /** The tfjs session of the same network: batches, evaluation, checkpoints and disposal are its. */
  readonly session: ClassifierSession;
  readonly net: DenseNet;
  /** Units per layer, inputs first (as given to the DenseNet). */
  readonly sizes: readonly number[];
  readonly batchSize: number;
  /** The session's data, for evaluation. */
  readonly data: DataSplit;
  readonly optimizer: NoisyOptimizer;
  readonly kernels: DenseStackKernels;
}

/**
 * The mlp trainer's step on the `native` backend (paper §4.1's dense ReLU stack): the forward and
 * backward pass of the whole network in one call of the native addon, instead of the hundreds of
 * tfjs ops of the same step, then the run's noisy optimizer as on any backend.
 *
 * One step:
 *   1. the batch is gathered on the host exactly as in the tfjs session (same rows for a step);
 *   2. the addon reads the weights where tfjs keeps them (views of the wasm heap, no copy), and
 *      writes every gradient into this session's gradient tensors, also in place;
 *   3. `optimizer.applyGradients` gets those tensors under the variables' names, in the order the
 *      tfjs path gives them: clipping and the noise keyed by (seed, step, tensor) are the noisy
 *      optimizer's own, unchanged; a plain SGD inner step runs in place with the addon's `sgd`
 *      (`NoisyOptimizer.updateSgdOnHost`: tfjs's SGD to the bit), any other inner optimizer
 *      through tfjs.
 * The weights stay the DenseNet's tfjs variables, so checkpoints (same names and shapes) and their
 * restore are the tfjs session's, and a checkpoint moves freely between backends. Evaluation runs
 * the addon's forward pass over each split (`native-score.ts`), with the tfjs session's metrics.
 *
 * The gradients agree with the tfjs path to float32 rounding (not bit for bit: the sums run in
 * another order), so a run reproduces exactly on `native` (on the same kind of CPU: OpenBLAS picks
 * its kernels per CPU), and closely elsewhere.
 */
export class NativeMlpSession implements TrainerSession {
  readonly #options: NativeMlpSessionOptions;
  readonly #sizes: Int32Array;
  readonly #work: Float32Array;
  /** The gradient tensors, in `DenseNet.variables()` order (bias 0, kernel 0, bias 1, …). */
  readonly #grads: NativeGradients;
  /** For each variable, its position in the addon's layout (kernel 0, bias 0, kernel 1, …). */
  readonly #slot: readonly number[];
  /** The batch arrays, refilled every step (the addon reads them; no backend keeps them). */
  readonly #batch: HostBatch;
  /** The addon's workspace for evaluation batches, made at the first evaluation. */
  #evalWork: Float32Array | undefined;

  constructor(options: NativeMlpSessionOptions) {
    this.#options = options;
    this.#sizes = Int32Array.from(options.sizes);
    this.#work = new Float32Array(options.kernels.workspaceLength(this.#sizes, options.batchSize));
    const variables = options.net.variables();
    const layout = options.net.namedWeights().map((w) => w.tensor);
    this.#slot = variables.map((v) => layout.indexOf(v));
    this.#grads = new NativeGradients(variables, 'native mlp step');
    const [features, classes] = [options.sizes[0] as number, options.sizes.at(-1) as number];
    this.#batch = {
      inputs: new Float32Array(options.batchSize * features),
      oneHot: new Float32Array(options.batchSize * classes),
      count: options.batchSize,
    };
    const { kernels } = options;
    options.optimizer.updateSgdOnHost((weights, gradients, factor) =>
      kernels.sgd(weights, gradients, factor),
    );
  }

  trainStep(step: number): Record<string, MetricValue> {
    const { session, net, optimizer, kernels } = this.#options;
    const batch = session.hostBatch(step, this.#batch);
    const variables = net.variables();
    // Views into the backend's memory are valid until the next tfjs op: none runs until the call.
    const params: Float32Array[] = [];
    const grads: Float32Array[] = [];
    variables.forEach((v, i) => {
      const slot = this.#slot[i] as number;
      params[slot] = readStorage(v);
      grads[slot] = this.#grads.storage(i);
    });
    const loss = kernels.step(
      this.#sizes,
      params,
      batch.inputs,
      batch.oneHot,
      batch.count,
      grads,
      this.#work,
    );
    optimizer.applyGradients(this.#grads.named());
    const stats = optimizer.lastStats;
    return { loss, grad_norm: stats.gradGlobalNorm, noise_std: stats.noiseStd };
  }

  async evaluate(): Promise<Record<string, number>> {
    const { data } = this.#options;
    return splitMetrics(this.#score(data.train), this.#score(data.test));
  }

  exportState(): TrainerState {
    return this.#options.session.exportState();
  }

  importState(state: TrainerState): void {
    this.#options.session.importState(state);
  }

  parameterNames(): ReadonlyMap<string, string> {
    return this.#options.session.parameterNames();
  }

  dispose(): void {
    this.#options.optimizer.updateSgdOnHost(null);
    this.#grads.dispose();
    this.#options.session.dispose();
  }

  #score(set: LabeledSet): ClassifierScore {
    const { net, kernels, data } = this.#options;
    this.#evalWork ??= new Float32Array(kernels.workspaceLength(this.#sizes, EVAL_BATCH));
    const work = this.#evalWork;
    return scoreNative(set, data.classes, EVAL_BATCH, (x, rows, out) => {
      // Read again for every batch: a view of the backend's memory is valid until the next tfjs op.
      const params = net.namedWeights().map(({ tensor }) => readStorage(tensor));
      kernels.forward(this.#sizes, params, x, rows, out, work);
    });
  }
}
