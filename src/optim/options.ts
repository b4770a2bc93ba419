import type * as tf from '@tensorflow/tfjs';
import {
  DEFAULT_NOISE_GENERATOR,
  NOISE_GENERATORS,
  NOISE_TARGETS,
  type NoiseGenerator,
  type NoiseSpec,
  type NoiseTarget,
  SCHEDULES,
  type Schedule,
} from '../core/index.js';
import { checkBoolean, checkNumber, checkOneOf, OptionError, withOptionPrefix } from './option-error.js';

/**
 * Clipping applied to the raw gradient before the noise. An absent key means no clipping of that
 * kind. The three apply from the finest to the coarsest, element, then tensor, then all tensors:
 * an outlier element is clamped before it can dominate its tensor's norm (and so shrink every
 * other element of that tensor), and one exploding tensor is bounded on its own before the
 * global norm is taken (so it does not shrink the others). Each step only shrinks values, so
 * every bound set still holds after the later steps.
 */
export interface ClipOptions {
  /** Clamp every element to [-byValue, byValue]. Applied first. > 0. */
  readonly byValue?: number;
  /** Rescale each gradient tensor on its own so its L2 norm is at most byTensorNorm. Applied second. > 0. */
  readonly byTensorNorm?: number;
  /** Rescale all gradients together so their global L2 norm is at most byGlobalNorm. Applied third. > 0. */
  readonly byGlobalNorm?: number;
}

/**
 * The noise itself (paper §3): its scale, schedule, target and stream, without the seed and the
 * clipping. A run spec stores exactly these fields as its `noise` (`RunSpec` in `src/core`).
 */
export interface NoiseSettings {
  /** η of Eq. 1: the variance at t = 0. 0 disables the noise. The paper uses 0.01 or 1.0. >= 0. */
  readonly eta: number;
  /** γ of Eq. 1: the decay exponent. Default 0.55 (the paper's value for every experiment). >= 0. */
  readonly gamma?: number;
  /** `annealed` follows Eq. 1; `fixed` keeps σ² = η. Default `annealed`. */
  readonly schedule?: Schedule;
  /** Optimizer steps per noise step t, e.g. steps per epoch to anneal per epoch. Default 1. */
  readonly stepsPerTick?: number;
  /** Default `gradient`. */
  readonly target?: NoiseTarget;
  /** Default `box-muller`. */
  readonly generator?: NoiseGenerator;
}

/** {@link NoiseSettings} with every default filled: the noise part of a stored run spec. */
export type CompiledNoiseSettings = NoiseSpec;

/** Options of the noisy optimizer: the noise, its seed and the clipping before it. */
export interface NoiseOptions extends NoiseSettings {
  /** Seed of the noise stream; any safe integer. */
  readonly seed: number;
  /** Clipping before the noise. Default none. */
  readonly clip?: ClipOptions;
  /**
   * Let `applyGradients` write the clipped, noised gradient into the gradient tensors it is given
   * (on wasm and cpu, where their storage is reachable and not shared) instead of creating new
   * tensors. Those tensors then hold the transformed values, so only set it when the caller
   * disposes them after the step, as `minimize`, `LayersModel.fit` and the trainers here do. (On
   * cpu, a tensor made with `tf.tensor(float32Array)` keeps that array as its storage, so the
   * array changes too.) The result is bit-identical either way. Default false.
   */
  readonly overwriteGradients?: boolean;
}

/** {@link NoiseOptions} with every default filled. */
export interface CompiledNoiseOptions extends CompiledNoiseSettings {
  readonly seed: number;
  readonly clip: ClipOptions;
  readonly overwriteGradients: boolean;
}

export const DEFAULT_GAMMA = 0.55;

/** A safe integer (any sign): what a seed must be so it round-trips through JSON and a database exactly. */
export function checkSeed(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new OptionError(
      field,
      value,
      `a safe integer in [${Number.MIN_SAFE_INTEGER}, ${Number.MAX_SAFE_INTEGER}]`,
    );
  }
  return value;
}

/** A positive safe integer, e.g. `stepsPerTick`. */
export function checkPositiveInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new OptionError(field, value, 'an integer >= 1');
  }
  return value;
}

/**
 * Validates the noise fields and fills their defaults: the one check of them, which the run spec's
 * compile step calls too (prefixing `noise.`). Throws {@link OptionError} with field names `eta`,
 * `gamma`, `schedule`, `stepsPerTick`, `target`, `generator`.
 */
export function compileNoiseSettings(o: NoiseSettings): CompiledNoiseSettings {
  const eta = checkNumber('eta', o.eta, 0, false);
  const gamma = checkNumber('gamma', o.gamma ?? DEFAULT_GAMMA, 0, false);
  const schedule = checkOneOf('schedule', o.schedule ?? 'annealed', SCHEDULES);
  const stepsPerTick = checkPositiveInteger('stepsPerTick', o.stepsPerTick ?? 1);
  const target = checkOneOf('target', o.target ?? 'gradient', NOISE_TARGETS);
  const generator = checkOneOf('generator', o.generator ?? DEFAULT_NOISE_GENERATOR, NOISE_GENERATORS);
  // The order of a stored run spec's `noise`, so a compiled spec serialises as before.
  return { eta, gamma, schedule, target, stepsPerTick, generator };
}

/**
 * Validates clipping bounds; absent keys stay absent. The one check of them, which the run spec's
 * compile step calls too (prefixing `clip.`). Throws {@link OptionError} with field names
 * `byValue`, `byTensorNorm`, `byGlobalNorm`.
 */
export function compileClipOptions(o: ClipOptions): ClipOptions {
  const clip: { -readonly [K in keyof ClipOptions]: ClipOptions[K] } = {};
  if (o.byValue !== undefined) clip.byValue = checkNumber('byValue', o.byValue, 0, true);
  // Only when set: a spec stored before the field existed compiles to the same object.
  if (o.byTensorNorm !== undefined) clip.byTensorNorm = checkNumber('byTensorNorm', o.byTensorNorm, 0, true);
  if (o.byGlobalNorm !== undefined) clip.byGlobalNorm = checkNumber('byGlobalNorm', o.byGlobalNorm, 0, true);
  return clip;
}

/**
 * Validates `o` and fills its defaults. Throws {@link OptionError} with field names `eta`, `gamma`,
 * `schedule`, `stepsPerTick`, `target`, `generator`, `seed`, `clip.byValue`, `clip.byTensorNorm`,
 * `clip.byGlobalNorm`,
 * `overwriteGradients`.
 */
export function compileNoiseOptions(o: NoiseOptions): CompiledNoiseOptions {
  const settings = compileNoiseSettings(o);
  const seed = checkSeed('seed', o.seed);
  const clip = withOptionPrefix('clip', () => compileClipOptions(o.clip ?? {}));
  const overwriteGradients = checkBoolean('overwriteGradients', o.overwriteGradients ?? false);
  return { ...settings, seed, clip, overwriteGradients };
}

/**
 * The compiled options in tfjs's serialisation format (`NoisyOptimizer.getConfig`, after the inner
 * optimizer's entry): unset clip bounds are `null`.
 */
export function noiseOptionsConfig(options: CompiledNoiseOptions): tf.serialization.ConfigDict {
  const { eta, gamma, seed, schedule, stepsPerTick, clip, target, generator } = options;
  return {
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
