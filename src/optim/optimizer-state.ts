import { OptionError } from './option-error.js';
import { checkSeed } from './options.js';
import type { NamedTensor } from './slots.js';

/**
 * Everything needed to resume a `NoisyOptimizer` exactly: the noise state {step, seed}, the
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
   * by `NoisyOptimizer.settle` after it: during the step `gradGlobalNorm` was still NaN.
   */
  readonly deferred: boolean;
}

/**
 * The scalars of a state to import, checked: throws {@link OptionError} naming `state.step`,
 * `state.skipped` or `state.seed` when one is not allowed. Returns the seed as `checkSeed` gives it.
 */
export function checkOptimizerState(state: OptimizerState): { step: number; seed: number; skipped: number } {
  if (!Number.isSafeInteger(state.step) || state.step < 0) {
    throw new OptionError('state.step', state.step, 'an integer >= 0');
  }
  if (!Number.isSafeInteger(state.skipped) || state.skipped < 0) {
    throw new OptionError('state.skipped', state.skipped, 'an integer >= 0');
  }
  const seed = checkSeed('state.seed', state.seed);
  return { step: state.step, seed, skipped: state.skipped };
}
