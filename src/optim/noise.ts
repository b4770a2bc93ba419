import {
  DEFAULT_NOISE_GENERATOR,
  NOISE_GENERATORS,
  type NoiseGenerator,
  SCHEDULES,
  type Schedule,
} from '../core/index.js';
import { addScaledNormalsBoxMuller } from './box-muller.js';
import { addScaledNormals } from './gaussian.js';
import { checkNumber, checkOneOf } from './option-error.js';
import { checkPositiveInteger, checkSeed, DEFAULT_GAMMA } from './options.js';
import { noiseStreams } from './random.js';
import { scheduledNoiseStd } from './schedule.js';
import { type GradientTransformation, type HostTensors, mapHost } from './transform.js';

/**
 * The whole state of the noise: the number of updates done so far and the stream's seed. The
 * noise of variable i at update `step` is a pure function of (seed, step, i), so this pair is all
 * a checkpoint needs (like optax's `{count, rng_key}`).
 */
export interface NoiseState {
  /** Updates applied so far; the next update is optimizer step `step` (0-based). */
  readonly step: number;
  readonly seed: number;
}

export interface AddGradientNoiseOptions {
  /** η of Eq. 1, >= 0. */
  readonly eta: number;
  /** γ of Eq. 1, >= 0. Default 0.55. */
  readonly gamma?: number;
  /** Any safe integer. */
  readonly seed: number;
  /** Default `annealed`. */
  readonly schedule?: Schedule;
  /** Optimizer steps per noise step t. Default 1. */
  readonly stepsPerTick?: number;
  /** Which stream of normals (see {@link NoiseGenerator}). Default `box-muller`. */
  readonly generator?: NoiseGenerator;
}

/**
 * Adds Gaussian noise N(0, σ_t²) to every element (paper §3): g_t ← g_t + N(0, σ_t²), with
 * σ_t² = η / (1 + t)^γ (Eq. 1), t = floor(step / stepsPerTick), or σ_t² = η for the `fixed`
 * schedule. Each variable gets independent noise from the streams keyed by (seed, step, index).
 *
 * Unlike optax's `add_noise`, whose count starts at 1 after its increment, `step` here starts at 0
 * and Eq. 1 is written with (1 + t): the first update has σ² = η in both.
 */
export function addGradientNoise(options: AddGradientNoiseOptions): GradientTransformation<NoiseState> {
  const eta = checkNumber('eta', options.eta, 0, false);
  const gamma = checkNumber('gamma', options.gamma ?? DEFAULT_GAMMA, 0, false);
  const seed = checkSeed('seed', options.seed);
  const schedule = checkOneOf('schedule', options.schedule ?? 'annealed', SCHEDULES);
  const stepsPerTick = checkPositiveInteger('stepsPerTick', options.stepsPerTick ?? 1);
  const generator = checkOneOf('generator', options.generator ?? DEFAULT_NOISE_GENERATOR, NOISE_GENERATORS);
  return {
    init: () => ({ step: 0, seed }),
    update(updates, state) {
      const std = scheduledNoiseStd(state.step, eta, gamma, schedule, stepsPerTick);
      const next = { step: state.step + 1, seed: state.seed };
      if (std === 0) return { updates, state: next };
      return { updates: addNoise(updates, std, state, generator), state: next };
    },
  };
}

/**
 * `updates` plus std × the unit normals of update `state.step` from `generator` (the
 * transformation's body). The sum for variable i goes into `into[i]` where given (it may be
 * `updates[i]` itself: the noise is then added in place), else into a new array.
 */
export function addNoise(
  updates: HostTensors,
  std: number,
  state: NoiseState,
  generator: NoiseGenerator,
  into?: readonly (Float32Array | null)[],
): HostTensors {
  return mapHost(updates, (values, index) => {
    const out = into?.[index] ?? new Float32Array(values.length);
    if (generator === 'ziggurat')
      addScaledNormals(out, values, std, noiseStreams(state.seed, state.step, index));
    else addScaledNormalsBoxMuller(out, values, std, { seed: state.seed, step: state.step, index });
    return out;
  });
}
