import type { NeuralGpuKernels } from '../../core/index.js';
import { BINARY_INPUT_SYMBOLS, BINARY_OUTPUT_CLASSES, type BinaryBatch } from '../../data/tasks/index.js';
import type { NoisyOptimizer } from '../../optim/index.js';
import { readStorage } from '../../optim/index.js';
import { NativeGradients } from '../shared/native-gradients.js';
import type { NeuralGpuModel } from './model.js';

/** Limits of a {@link NativeNeuralGpuStep}'s training workspace, in floats. */
export interface NativeStepLimits {
  /**
   * Largest workspace that keeps every unrolled step's activations (`'whole'` tape); above it each
   * step's are recomputed before its backward pass (`'step'`, one more forward pass). Default 2^27
   * (512 MiB), several times the default config at length 20.
   */
  readonly wholeTapeFloats: number;
  /**
   * Largest workspace at all; a batch needing more trains through tfjs. Default 2^30 (4 GiB); the
   * config's limits keep a step far below it (`NEURAL_GPU_LIMITS.trainingStateFloats`).
   */
  readonly workspaceFloats: number;
}

const DEFAULT_LIMITS: NativeStepLimits = { wholeTapeFloats: 2 ** 27, workspaceFloats: 2 ** 30 };

/**
 * The `neural_gpu` trainer's step on the `native` backend: the loss, the gradient of every variable
 * and the argmax digits of one batch from one call of the addon (`native/neural_gpu.c`: the same
 * model as `model.ts`, `head.ts` and `bptt.ts`, convolutions as im2col and one-thread sgemm,
 * backward through time by hand), instead of the thousands of tfjs ops of `batchGradients`.
 *
 * One step:
 *   1. the dropout masks, drawn on the host by the session as on any backend, are read as they are;
 *   2. the addon reads the weights where tfjs keeps them (views of the wasm heap) and writes every
 *      gradient into this step's gradient tensors, in place;
 *   3. `optimizer.applyGradients` gets those tensors named and ordered as `batchGradients` gives
 *      them, so clipping, the noise keyed by (seed, step, tensor) and Adam are unchanged.
 * The gradients agree with the tfjs path to float32 rounding (sums in other orders), and a run
 * repeats itself bit for bit on `native` (on one kind of CPU: OpenBLAS picks its kernels per CPU).
 *
 * Why a workspace held here: the backward pass reads every layer's activations of every unrolled
 * step, hundreds of megabytes at the default config; allocated once and grown with the input width
 * (never shrunk), a step maps no fresh memory and takes no page faults for it.
 */
export class NativeNeuralGpuStep {
  readonly #model: NeuralGpuModel;
  readonly #kernels: NeuralGpuKernels;
  /** One gradient tensor per variable, in `namedVariables` order, owned here and rewritten per step. */
  readonly #grads: NativeGradients;
  #work = new Float32Array(0);
  #predictWork = new Float32Array(0);

  readonly #limits: NativeStepLimits;

  constructor(model: NeuralGpuModel, kernels: NeuralGpuKernels, limits: NativeStepLimits = DEFAULT_LIMITS) {
    this.#model = model;
    this.#kernels = kernels;
    this.#limits = limits;
    this.#grads = new NativeGradients(
      model.namedVariables.map(({ variable }) => variable),
      'native neural_gpu step',
    );
  }

  /**
   * Trains one batch with `masks` (one host array per layer, as `candidateMaskValues` draws them,
   * or null): gradients into the optimizer. Returns `[loss, ...predicted digits]` (as the tfjs
   * step's readout), or null when the batch's workspace would pass `workspaceFloats` (the caller
   * runs the tfjs step instead).
   */
  train(
    batch: BinaryBatch,
    masks: readonly Float32Array[] | null,
    optimizer: NoisyOptimizer,
  ): Float32Array | null {
    const shape = this.#shape(batch);
    const whole = this.#kernels.neuralGpuWorkspaceLength(shape, 'whole');
    const length =
      whole <= this.#limits.wholeTapeFloats ? whole : this.#kernels.neuralGpuWorkspaceLength(shape, 'step');
    if (length > this.#limits.workspaceFloats) return null;
    // Grown, never shrunk. The addon keeps the whole tape whenever the workspace holds it (a wider
    // batch's may), using no memory not already held; the results are the same either way.
    if (this.#work.length < length) {
      this.#work = new Float32Array(0);
      this.#work = new Float32Array(length);
    }
    const readout = new Float32Array(1 + batch.batchSize * batch.targetWidth);
    // Views into the backend's memory are valid until the next tfjs op: none runs until the call.
    const params = this.#model.namedVariables.map(({ variable }) => readStorage(variable));
    const grads = this.#grads.storages();
    readout[0] = this.#kernels.neuralGpuStep(
      shape,
      this.#model.shape.gateCutoff,
      params,
      batch.inputs,
      batch.targets,
      masks ?? [],
      grads,
      readout.subarray(1),
      this.#work,
    );
    optimizer.applyGradients(this.#grads.named());
    return readout;
  }

  /**
   * The argmax digits `[batch, targetWidth]` of `batch` without dropout, or null when the forward
   * pass's workspace would pass `workspaceFloats` (the caller predicts through tfjs instead).
   */
  predict(batch: BinaryBatch): Float32Array | null {
    const shape = this.#shape(batch);
    const length = this.#kernels.neuralGpuWorkspaceLength(shape, 'none');
    if (length > this.#limits.workspaceFloats) return null;
    if (this.#predictWork.length < length) this.#predictWork = new Float32Array(length);
    const predicted = new Float32Array(batch.batchSize * batch.targetWidth);
    const params = this.#model.namedVariables.map(({ variable }) => readStorage(variable));
    const { gateCutoff } = this.#model.shape;
    this.#kernels.neuralGpuPredict(shape, gateCutoff, params, batch.inputs, predicted, this.#predictWork);
    return predicted;
  }

  dispose(): void {
    this.#grads.dispose();
    this.#work = new Float32Array(0);
    this.#predictWork = new Float32Array(0);
  }

  #shape(batch: BinaryBatch): Int32Array {
    const { maps, layers, kernelWidth, kernelHeight, height } = this.#model.shape;
    return Int32Array.of(
      batch.batchSize,
      batch.inputWidth,
      height,
      maps,
      layers,
      kernelWidth,
      kernelHeight,
      batch.targetWidth,
      BINARY_INPUT_SYMBOLS,
      BINARY_OUTPUT_CLASSES,
    );
  }
}
