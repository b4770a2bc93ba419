import * as tf from '@tensorflow/tfjs';
import { disposeDeviceStep, type PendingDeviceStep, settleDeviceStep, stepOnDevice } from './device-path.js';
import { entriesOf, type GradientEntry } from './gradients.js';
import { hostReadable } from './host-readable.js';
import type { AxpyKernel } from './host-sgd.js';
import { buildNoisePipeline, type ChainState, type NoisePipeline, stepOnHost } from './host-step.js';
import { setInnerLearningRate } from './inner.js';
import { NoiseKeys } from './noise-keys.js';
import { checkOptimizerState, type OptimizerState, type StepStats } from './optimizer-state.js';
import {
  type CompiledNoiseOptions,
  compileNoiseOptions,
  type NoiseOptions,
  noiseOptionsConfig,
} from './options.js';
import { scheduledNoiseStd } from './schedule.js';
import { exportOptimizerSlots, importOptimizerSlots, type NamedTensor } from './slots.js';

/**
 * Wraps any tfjs optimizer and adds annealed Gaussian gradient noise (Neelakantan et al., paper §3),
 * as opacus wraps an optimizer: the gradient goes through a chain of transformations,
 * `chain(clipByValue, clipByTensorNorm, clipByGlobalNorm, addGradientNoise)` (`transform.ts`), whose state this class
 * holds, and then to the original optimizer, `inner`. Only `applyGradients` is overridden, so
 * `minimize` and `LayersModel.fit` go through it; the rest (`getWeights`, `setWeights`,
 * `getConfig` of the inner, `dispose`) is delegated to `inner`.
 *
 * Each `applyGradients` call is one optimizer step:
 *   1. Read the gradients to the host and compute their global norm. If it is not finite (some
 *      element is NaN or ±∞) the step is skipped: the chain and the inner optimizer are not applied,
 *      the chain's state (and so the noise step t) does not advance, `skippedSteps` grows by one.
 *   2. `clipByValue`: clamp each element to [-clip.byValue, clip.byValue], when set.
 *   3. `clipByTensorNorm`: rescale each tensor to norm at most clip.byTensorNorm, when set; then
 *      `clipByGlobalNorm`: rescale all to global norm at most clip.byGlobalNorm, when set (the
 *      order from the finest bound to the coarsest is explained at `ClipOptions`).
 *   4. `addGradientNoise`, with `target: 'gradient'`: add N(0, σ_t²) to every element,
 *      σ_t² = η / (1 + t)^γ (Eq. 1) with t = floor(step / stepsPerTick), or η for the `fixed`
 *      schedule. The noise of a variable is drawn from the `generator`'s stream keyed by
 *      (seed, step, k): after {@link keyNoiseByName} (stream version 2), k is the key of the
 *      variable's checkpoint name, so the noise follows the tensor whatever the order of the
 *      gradients and tfjs's variable names; otherwise (version 1) k is the variable's position in
 *      the gradient map or list. The chain returns its next state, kept here.
 *   5. Apply the result with `inner.applyGradients`: as new tensors, or, with
 *      `overwriteGradients`, written into the given gradient tensors' own storage where the
 *      backend allows it (wasm, cpu): the chain then adds the noise in place, which saves an array
 *      and an upload per variable per step.
 *   6. `target: 'weight'` (paper §4.6 ablation): step 4 moves here, `addGradientNoise` applied to the
 *      weights after the update, with the same state.
 * With η = 0 and no clipping the inner optimizer receives the original gradient tensors, so the
 * result is bit-identical to the bare inner optimizer.
 *
 * The whole random state is the noise's {seed, step}: {@link exportState} / {@link importState}
 * restore a run exactly, including the inner optimizer's slots.
 *
 * On a backend without synchronous reads (`webgpu`) the same pipeline runs on the device
 * (`device-path.ts`), and step 1's skip is decided after the update: call {@link settle} after
 * every step, before the next one and before {@link exportState}. On the host path `settle` only
 * returns {@link lastStats}.
 */
export class NoisyOptimizer extends tf.Optimizer {
  /** The name tfjs's serialisation uses for this class. */
  static get className(): string {
    return 'NoisyOptimizer';
  }

  readonly inner: tf.Optimizer;
  readonly options: CompiledNoiseOptions;
  /** Steps 2 to 6's transformations (`host-step.ts`). */
  private readonly pipeline: NoisePipeline;
  private state: ChainState;
  private skipped = 0;
  /** The word standing for each gradient's tensor in its noise key. */
  private readonly keys = new NoiseKeys();
  private stats: StepStats = { gradGlobalNorm: 0, noiseStd: 0, skipped: false, deferred: false };
  /** A device step not settled yet, with the chain state before it. */
  private pending: { readonly step: PendingDeviceStep; readonly before: ChainState } | null = null;
  /** Step 5 in place for a plain SGD inner, when asked (`updateSgdOnHost`). */
  private hostSgd: AxpyKernel | undefined;

  /** Throws {@link OptionError} for bad options (see `compileNoiseOptions`). */
  constructor(inner: tf.Optimizer, options: NoiseOptions) {
    super();
    this.inner = inner;
    this.options = compileNoiseOptions(options);
    this.pipeline = buildNoisePipeline(this.options, (index) => this.keys.keyOf(index));
    this.state = this.pipeline.transform.init([]);
  }

  /** Optimizer steps applied so far; skipped steps are not counted. */
  override get iterations(): number {
    return this.state[1].step;
  }

  /** Steps skipped because a gradient was non-finite. */
  get skippedSteps(): number {
    return this.skipped;
  }

  /** Stats of the most recent `applyGradients` (all zero before the first). */
  get lastStats(): StepStats {
    return this.stats;
  }

  /** The σ_t the next step will use (0 when η = 0). */
  get nextNoiseStd(): number {
    const { eta, gamma, schedule, stepsPerTick } = this.options;
    return scheduledNoiseStd(this.state[1].step, eta, gamma, schedule, stepsPerTick);
  }

  /**
   * Sets the inner optimizer's learning rate from the next step on, for a learning-rate schedule
   * (`lr-schedule.ts`); see `setInnerLearningRate` for how each kind takes it.
   */
  setLearningRate(learningRate: number): void {
    setInnerLearningRate(this.inner, learningRate);
  }

  /**
   * Keys the noise of each variable by its checkpoint name from now on (stream version 2; see
   * `NoiseKeys.byName`): `names` maps tfjs variable names to checkpoint names (e.g.
   * `layer0/kernel`), as `TrainerSession.parameterNames` gives them.
   */
  keyNoiseByName(names: ReadonlyMap<string, string>): void {
    this.keys.byName(names);
  }

  /** Step 5 of a plain SGD `inner` in the weights' storage with `kernel` (`host-sgd.ts`); `null`: off. */
  updateSgdOnHost(kernel: AxpyKernel | null): void {
    this.hostSgd = kernel ?? undefined;
  }

  /** One optimizer step: the pipeline in the class docstring. */
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries = entriesOf(variableGradients);
    this.keys.forStep(entries);
    if (!hostReadable()) {
      this.applyOnDevice(entries);
      return;
    }
    const { state, stats } = stepOnHost({
      pipeline: this.pipeline,
      inner: this.inner,
      gradients: variableGradients,
      entries,
      state: this.state,
      std: this.nextNoiseStd,
      hostSgd: this.hostSgd,
    });
    if (stats.skipped) this.skipped += 1;
    this.state = state;
    this.stats = stats;
  }

  /** The pipeline on the device (`device-path.ts`); its norm and skip are settled by {@link settle}. */
  private applyOnDevice(entries: readonly GradientEntry[]): void {
    if (this.pending !== null) {
      throw new Error(
        `NoisyOptimizer: step ${this.iterations - 1} on the ${tf.getBackend()} device was not settled; ` +
          'await settle() after every step',
      );
    }
    const std = this.nextNoiseStd;
    const [clipState, noiseState] = this.state;
    const { pending, noiseState: next } = stepOnDevice({
      inner: this.inner,
      entries,
      pipeline: this.pipeline,
      noiseState,
      std,
    });
    this.pending = { step: pending, before: this.state };
    this.state = [clipState, next];
    this.stats = { gradGlobalNorm: Number.NaN, noiseStd: std, skipped: false, deferred: true };
  }

  /**
   * Completes the last step: on the device path, reads its gradient norm and, when that is not
   * finite, undoes the step as the host path would have skipped it (weights, slots and noise step
   * back, one more skip). Returns the step's {@link lastStats}. Call it after every step.
   */
  async settle(): Promise<StepStats> {
    const pending = this.pending;
    if (pending === null) return this.stats;
    this.pending = null;
    const { norm, skipped } = await settleDeviceStep(this.inner, pending.step);
    if (skipped) {
      this.state = pending.before;
      this.skipped += 1;
    }
    this.stats = { gradGlobalNorm: norm, noiseStd: skipped ? 0 : pending.step.std, skipped, deferred: true };
    return this.stats;
  }

  /**
   * A copy of the full state. The tensors in `inner` are new and owned by the caller, who must
   * dispose them (e.g. `tf.dispose(state.inner.map((t) => t.tensor))`).
   */
  exportState(): OptimizerState {
    if (this.pending !== null) throw new Error('NoisyOptimizer: settle() the last step before exportState()');
    return {
      step: this.state[1].step,
      seed: this.state[1].seed,
      skipped: this.skipped,
      inner: exportOptimizerSlots(this.inner),
    };
  }

  /**
   * Restores a state from {@link exportState} of an optimizer with the same inner class and
   * options; the state's seed replaces the constructor's. Does not take ownership: the caller still
   * owns (and may dispose at once) the tensors in `state.inner`. The inner optimizer's previous
   * slot variables are disposed. Continuing after the import gives bit-identical weights to an
   * uninterrupted run, provided the model's weights were restored too.
   */
  importState(state: OptimizerState): void {
    const { step, seed, skipped } = checkOptimizerState(state);
    importOptimizerSlots(this.inner, state.inner);
    this.state = [this.pipeline.clip.init([]), { step, seed }];
    this.skipped = skipped;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      inner: { className: this.inner.getClassName(), config: this.inner.getConfig() },
      ...noiseOptionsConfig(this.options),
    };
  }

  /**
   * The inner optimizer's `getWeights` (tfjs's format, used by `LayersModel.save` with
   * `includeOptimizer`). It omits the noise state, and tfjs 4.22's Adamax does not implement it;
   * {@link exportState} is the exact, complete path.
   */
  override async getWeights(): Promise<NamedTensor[]> {
    return this.inner.getWeights();
  }

  /** The inner optimizer's `setWeights`; see {@link getWeights} and prefer {@link importState}. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    await this.inner.setWeights(weightValues);
  }

  /** Disposes the inner optimizer's variables (and an unsettled device step). */
  override dispose(): void {
    const pending = this.pending?.step;
    this.pending = null;
    if (pending !== undefined) disposeDeviceStep(pending);
    this.inner.dispose();
  }
}

/** Wraps `inner` with gradient noise. Throws {@link OptionError} for bad options. */
export function createNoisyOptimizer(inner: tf.Optimizer, options: NoiseOptions): NoisyOptimizer {
  return new NoisyOptimizer(inner, options);
}
