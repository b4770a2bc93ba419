import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm, clipByValue, globalNorm } from './clip.js';
import { addNoise, type NoiseState } from './noise.js';
import { OptionError } from './option-error.js';
import { type CompiledNoiseOptions, checkSeed, compileNoiseOptions, type NoiseOptions } from './options.js';
import { scheduledNoiseStd } from './schedule.js';
import { exportOptimizerSlots, importOptimizerSlots, type NamedTensor } from './slots.js';
import { readStorage, writableStorage } from './storage.js';
import { chain, EMPTY_STATE, type GradientTransformation, type HostTensors } from './transform.js';
import { sharedViews } from './views.js';

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
}

interface Entry {
  readonly name: string;
  readonly tensor: tf.Tensor | null;
}

function entriesOf(gradients: tf.NamedTensorMap | NamedTensor[]): Entry[] {
  // The same order tfjs's optimizers use to index their slots: list order, or the map's key order
  // (which `variableGrads` fills in variable order).
  if (Array.isArray(gradients)) return gradients.map((g) => ({ name: g.name, tensor: g.tensor ?? null }));
  return Object.keys(gradients).map((name) => ({ name, tensor: gradients[name] ?? null }));
}

/**
 * Per entry, the gradient's own storage where the noise can be added in place, else null: its
 * values left clipping as they were read (no new array was made for them), the backend lets the
 * storage be overwritten (see `writableStorage`), and no other entry's values share any of its
 * memory (the same tensor listed twice, or on `cpu` a slice's subarray of its source), since their
 * read would then see the noise. In place, a step needs no new array and no copy per variable.
 * The views are only valid until the next tfjs operation.
 */
function inPlaceTargets(
  entries: readonly Entry[],
  raw: HostTensors,
  clipped: HostTensors,
): (Float32Array | null)[] {
  const shared = sharedViews(raw);
  return entries.map((e, i) =>
    e.tensor !== null && raw[i] !== null && clipped[i] === raw[i] && !shared[i]
      ? writableStorage(e.tensor)
      : null,
  );
}

function variableNamed(name: string): tf.Variable {
  const v = tf.engine().registeredVariables[name];
  if (v === undefined) throw new Error(`NoisyOptimizer: no variable named ${JSON.stringify(name)}`);
  return v;
}

/**
 * Wraps any tfjs optimizer and adds annealed Gaussian gradient noise (Neelakantan et al., paper §3).
 * Only `applyGradients` is overridden, so `minimize` and `LayersModel.fit` go through it; the rest
 * (`getWeights`, `setWeights`, `getConfig` of the inner, `dispose`) is delegated to `inner`.
 *
 * Each `applyGradients` call is one optimizer step:
 *   1. Read the gradients to the host and compute their global norm. If it is not finite (some
 *      element is NaN or ±∞) the step is skipped: the inner optimizer is not applied, the step
 *      counter (and so the noise step t) does not advance, `skippedSteps` grows by one.
 *   2. Clip each element to [-clip.byValue, clip.byValue], when set.
 *   3. Rescale to global norm at most clip.byGlobalNorm, when set.
 *   4. `target: 'gradient'`: add N(0, σ_t²) to every element, σ_t² = η / (1 + t)^γ (Eq. 1) with
 *      t = floor(step / stepsPerTick), or η for the `fixed` schedule. The noise of variable i is
 *      drawn from the `generator`'s stream keyed by (seed, step, i), where i is the variable's position in the
 *      gradient map or list: exactly the index the inner optimizer uses for its slots.
 *   5. Apply the result with `inner.applyGradients`: as new tensors, or, with
 *      `overwriteGradients`, written into the given gradient tensors' own storage where the
 *      backend allows it (wasm, cpu), which saves an upload per variable per step.
 *   6. `target: 'weight'` (paper §4.6 ablation): add the same noise N(0, σ_t²) to the weights after
 *      the update instead of step 4.
 * With η = 0 and no clipping the inner optimizer receives the original gradient tensors, so the
 * result is bit-identical to the bare inner optimizer.
 *
 * The whole random state is {seed, step}: {@link exportState} / {@link importState} restore a run
 * exactly, including the inner optimizer's slots.
 */
export class NoisyOptimizer extends tf.Optimizer {
  /** The name tfjs's serialisation uses for this class. */
  static get className(): string {
    return 'NoisyOptimizer';
  }

  readonly inner: tf.Optimizer;
  readonly options: CompiledNoiseOptions;
  private readonly clip: GradientTransformation<unknown>;
  private noiseState: NoiseState;
  private skipped = 0;
  private stats: StepStats = { gradGlobalNorm: 0, noiseStd: 0, skipped: false };

  /** Throws {@link OptionError} for bad options (see `compileNoiseOptions`). */
  constructor(inner: tf.Optimizer, options: NoiseOptions) {
    super();
    this.inner = inner;
    this.options = compileNoiseOptions(options);
    const { clip, seed } = this.options;
    this.clip = chain(
      ...(clip.byValue === undefined ? [] : [clipByValue(clip.byValue)]),
      ...(clip.byGlobalNorm === undefined ? [] : [clipByGlobalNorm(clip.byGlobalNorm)]),
    );
    this.noiseState = { step: 0, seed };
  }

  /** Optimizer steps applied so far; skipped steps are not counted. */
  override get iterations(): number {
    return this.noiseState.step;
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
    return scheduledNoiseStd(this.noiseState.step, eta, gamma, schedule, stepsPerTick);
  }

  /** One optimizer step: the pipeline in the class docstring. */
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries = entriesOf(variableGradients);
    // Read in place where the backend allows (no copy). Only the noise writes to `raw`'s memory
    // (see inPlaceTargets), after its last read.
    const raw: HostTensors = entries.map((e) => (e.tensor === null ? null : readStorage(e.tensor)));
    const gradGlobalNorm = globalNorm(raw);
    if (!Number.isFinite(gradGlobalNorm)) {
      this.skipped += 1;
      this.stats = { gradGlobalNorm, noiseStd: 0, skipped: true };
      return;
    }
    const std = this.nextNoiseStd;
    const clipped = this.clip.update(raw, EMPTY_STATE).updates;
    const toGradient = this.options.target === 'gradient';
    const overwrite = this.options.overwriteGradients;
    const inPlace = toGradient && overwrite && std > 0 ? inPlaceTargets(entries, raw, clipped) : [];
    const updates =
      toGradient && std > 0
        ? addNoise(clipped, std, this.noiseState, this.options.generator, inPlace)
        : clipped;
    if (updates === raw) {
      this.inner.applyGradients(variableGradients);
    } else {
      const written = new Set<object>();
      tf.tidy(() => {
        this.inner.applyGradients(
          entries.map((e, i) => {
            const values = updates[i] ?? null;
            // A missing gradient stays missing: tfjs's optimizers skip it but keep its slot index.
            if (e.tensor === null || values === null)
              return { name: e.name, tensor: null as unknown as tf.Tensor };
            // Unchanged, or the noise already went into the tensor's own storage.
            if (values === raw[i] || values === inPlace[i]) return { name: e.name, tensor: e.tensor };
            // All of `updates` was computed before the first write, so writes cannot feed back.
            // The same tensor twice in the list gets a fresh tensor the second time.
            const storage = overwrite && !written.has(e.tensor.dataId) ? writableStorage(e.tensor) : null;
            if (storage !== null) {
              storage.set(values);
              written.add(e.tensor.dataId);
              return { name: e.name, tensor: e.tensor };
            }
            return { name: e.name, tensor: tf.tensor(values, e.tensor.shape, 'float32') };
          }),
        );
      });
    }
    if (!toGradient && std > 0) this.addWeightNoise(entries, std);
    // As `addGradientNoise`'s transform advances its state: one noise step per applied update.
    this.noiseState = { step: this.noiseState.step + 1, seed: this.noiseState.seed };
    this.stats = { gradGlobalNorm, noiseStd: std, skipped: false };
  }

  /** Step 6: w ← w + N(0, σ_t²) for every variable that had a gradient, keyed like step 4. */
  private addWeightNoise(entries: readonly Entry[], std: number): void {
    const variables = entries.map((e) => (e.tensor === null ? null : variableNamed(e.name)));
    const weights = variables.map((v) => (v === null ? null : readStorage(v)));
    const noised = addNoise(weights, std, this.noiseState, this.options.generator);
    tf.tidy(() => {
      variables.forEach((v, i) => {
        const values = noised[i];
        if (v !== null && values) v.assign(tf.tensor(values, v.shape, 'float32'));
      });
    });
  }

  /**
   * A copy of the full state. The tensors in `inner` are new and owned by the caller, who must
   * dispose them (e.g. `tf.dispose(state.inner.map((t) => t.tensor))`).
   */
  exportState(): OptimizerState {
    return {
      step: this.noiseState.step,
      seed: this.noiseState.seed,
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
    this.noiseState = { step: state.step, seed };
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

  /** Disposes the inner optimizer's variables. */
  override dispose(): void {
    this.inner.dispose();
  }
}

/** Wraps `inner` with gradient noise. Throws {@link OptionError} for bad options. */
export function createNoisyOptimizer(inner: tf.Optimizer, options: NoiseOptions): NoisyOptimizer {
  return new NoisyOptimizer(inner, options);
}
