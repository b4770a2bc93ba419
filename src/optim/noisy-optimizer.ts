import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm, clipByTensorNorm, clipByValue, globalNorm } from './clip.js';
import { hostReadable, type PendingDeviceStep, settleDeviceStep, stepOnDevice } from './device-path.js';
import { applyHostGradients, donatable, entriesOf, type GradientEntry, variableNamed } from './gradients.js';
import { setInnerLearningRate } from './inner.js';
import { addGradientNoise, type NoiseState } from './noise.js';
import { NoiseKeys } from './noise-keys.js';
import { OptionError } from './option-error.js';
import { type CompiledNoiseOptions, checkSeed, compileNoiseOptions, type NoiseOptions } from './options.js';
import { scheduledNoiseStd } from './schedule.js';
import { exportOptimizerSlots, importOptimizerSlots, type NamedTensor } from './slots.js';
import { readStorage } from './storage.js';
import { chain, type EmptyState, type GradientTransformation, type HostTensors } from './transform.js';

/**
 * Everything needed to resume a {@link NoisyOptimizer} exactly: the noise state {step, seed}, the
 * skip count and the inner optimizer's state (iterations, slots and hidden scalars; see
 * `slots.ts` for the layout).
 */
export interface OptimizerState {
  /** Optimizer steps applied so far (the next step's index). */
  step: number;
  seed: number;
  /** Steps skipped because of a non-finite gradient. */
  skipped: number;
  inner: NamedTensor[];
}

/** What the most recent `applyGradients` did. Plain numbers, read without touching tensors. */
export interface StepStats {
  /** Global L2 norm of the raw gradient, before clipping (NaN or ∞ when the step was skipped for it). */
  readonly gradGlobalNorm: number;
  /** σ_t of the noise added this step; 0 when none was added (η = 0 or the step was skipped). */
  readonly noiseStd: number;
  /** True when the step was skipped because the gradient was not finite. */
  readonly skipped: boolean;
  /**
   * True when the step ran on the device path (`device-path.ts`) and these numbers were read back
   * by {@link NoisyOptimizer.settle} after it: during the step `gradGlobalNorm` was still NaN.
   */
  readonly deferred: boolean;
}

/** The chain's state: the clip transformations' (empty) states, then the noise's {step, seed}. */
type ChainState = readonly [clip: readonly EmptyState[], noise: NoiseState];

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
  /** Steps 2 and 3. */
  private readonly clip: GradientTransformation<readonly EmptyState[]>;
  /** Step 4 (or 6). */
  private readonly noise: GradientTransformation<NoiseState>;
  /** Steps 2 to 4: `chain(clip, noise)`. */
  private readonly transform: GradientTransformation<ChainState>;
  private state: ChainState;
  private skipped = 0;
  /** The word standing for each gradient's tensor in its noise key. */
  private readonly keys = new NoiseKeys();
  private stats: StepStats = { gradGlobalNorm: 0, noiseStd: 0, skipped: false, deferred: false };
  /** A device step not settled yet, with the chain state before it. */
  private pending: { readonly step: PendingDeviceStep; readonly before: ChainState } | null = null;

  /** Throws {@link OptionError} for bad options (see `compileNoiseOptions`). */
  constructor(inner: tf.Optimizer, options: NoiseOptions) {
    super();
    this.inner = inner;
    this.options = compileNoiseOptions(options);
    const { clip } = this.options;
    this.clip = chain(
      ...(clip.byValue === undefined ? [] : [clipByValue(clip.byValue)]),
      ...(clip.byTensorNorm === undefined ? [] : [clipByTensorNorm(clip.byTensorNorm)]),
      ...(clip.byGlobalNorm === undefined ? [] : [clipByGlobalNorm(clip.byGlobalNorm)]),
    );
    this.noise = addGradientNoise({
      ...this.options,
      tensorKey: (index) => this.keys.keyOf(index),
    });
    this.transform = chain(this.clip, this.noise);
    this.state = this.transform.init([]);
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

  /** One optimizer step: the pipeline in the class docstring. */
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries = entriesOf(variableGradients);
    this.keys.forStep(entries);
    if (!hostReadable()) {
      this.applyOnDevice(entries);
      return;
    }
    // Read in place where the backend allows (no copy). Only a donated array is written (the
    // noise, after the clipping's last read; see `donatable`).
    const raw: HostTensors = entries.map((e) => (e.tensor === null ? null : readStorage(e.tensor)));
    const gradGlobalNorm = globalNorm(raw);
    if (!Number.isFinite(gradGlobalNorm)) {
      this.skipped += 1;
      this.stats = { gradGlobalNorm, noiseStd: 0, skipped: true, deferred: false };
      return;
    }
    const std = this.nextNoiseStd;
    const { overwriteGradients, target } = this.options;
    if (target === 'gradient') {
      // Checking which gradients may be written costs a pass over them: only worth it for noise.
      const donated = overwriteGradients && std > 0 ? donatable(entries, raw) : undefined;
      const result = this.transform.update(raw, this.state, undefined, donated);
      applyHostGradients(this.inner, variableGradients, entries, raw, result.updates, overwriteGradients);
      this.state = result.state;
    } else {
      const [clipState, noiseState] = this.state;
      const clipped = this.clip.update(raw, clipState);
      applyHostGradients(this.inner, variableGradients, entries, raw, clipped.updates, overwriteGradients);
      this.state = [clipped.state, this.addWeightNoise(entries, noiseState, std)];
    }
    this.stats = { gradGlobalNorm, noiseStd: std, skipped: false, deferred: false };
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
    const { options } = this;
    const { pending, noiseState: next } = stepOnDevice({
      inner: this.inner,
      entries,
      clip: options.clip,
      noise: this.noise,
      noiseState,
      std,
      target: options.target,
      generator: options.generator,
      tensorKey: (index) => this.keys.keyOf(index),
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
   * Step 6: w ← w + N(0, σ_t²) for every variable that had a gradient, keyed like step 4, by the
   * noise transformation with `state`. Returns its next state.
   */
  private addWeightNoise(entries: readonly GradientEntry[], state: NoiseState, std: number): NoiseState {
    // With σ_t = 0 there is nothing to read (a copy on some backends), only the step to count.
    const variables = std === 0 ? [] : entries.map((e) => (e.tensor === null ? null : variableNamed(e.name)));
    const weights = variables.map((v) => (v === null ? null : readStorage(v)));
    const noised = this.noise.update(weights, state);
    tf.tidy(() => {
      variables.forEach((v, i) => {
        const values = noised.updates[i];
        if (v !== null && values) v.assign(tf.tensor(values, v.shape, 'float32'));
      });
    });
    return noised.state;
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
    if (!Number.isSafeInteger(state.step) || state.step < 0) {
      throw new OptionError('state.step', state.step, 'an integer >= 0');
    }
    if (!Number.isSafeInteger(state.skipped) || state.skipped < 0) {
      throw new OptionError('state.skipped', state.skipped, 'an integer >= 0');
    }
    const seed = checkSeed('state.seed', state.seed);
    importOptimizerSlots(this.inner, state.inner);
    this.state = [this.clip.init([]), { step: state.step, seed }];
    this.skipped = state.skipped;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { eta, gamma, seed, schedule, stepsPerTick, clip, target, generator } = this.options;
    return {
      inner: { className: this.inner.getClassName(), config: this.inner.getConfig() },
      eta,
      gamma,
      seed,
      schedule,
      stepsPerTick,
      target,
      generator,
      clipByValue: clip.byValue ?? null,
      clipByTensorNorm: clip.byTensorNorm ?? null,
      clipByGlobalNorm: clip.byGlobalNorm ?? null,
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
    if (pending !== undefined) {
      tf.dispose([
        pending.norm,
        ...pending.slots.map((s) => s.tensor),
        ...pending.weights.map((w) => w.saved),
      ]);
    }
    this.inner.dispose();
  }
}

/** Wraps `inner` with gradient noise. Throws {@link OptionError} for bad options. */
export function createNoisyOptimizer(inner: tf.Optimizer, options: NoiseOptions): NoisyOptimizer {
  return new NoisyOptimizer(inner, options);
}
