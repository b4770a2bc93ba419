import { type NoiseGenerator, noiseStreams } from '../core/index.js';
import { addScaledNormalsBoxMuller } from './box-muller.js';
import { addScaledNormals } from './gaussian.js';
import { checkSeed, compileNoiseSettings, type NoiseSettings } from './options.js';
import { addScaledNormalsPhilox } from './philox.js';
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

/** The options of {@link addGradientNoise}: the noise settings (less the target) and the seed. */
export interface AddGradientNoiseOptions extends Omit<NoiseSettings, 'target'> {
  /** Any safe integer. */
  readonly seed: number;
  /**
   * The word that stands for the tensor at position `index` of an update in its noise key.
   * Default: the position itself (stream version 1). The noisy optimizer keys by the tensor's
   * checkpoint name in version 2 (`core/random.ts`, `tensorNameKey`).
   */
  readonly tensorKey?: (index: number) => number;
}

/**
 * Adds Gaussian noise N(0, σ_t²) to every element (paper §3): g_t ← g_t + N(0, σ_t²), with
 * σ_t² = η / (1 + t)^γ (Eq. 1), t = floor(step / stepsPerTick), or σ_t² = η for the `fixed`
 * schedule. Each variable gets independent noise from the streams keyed by (seed, step,
 * tensorKey(index)).
 * Every update advances `step` by one, also when σ_t = 0 (the updates then pass through as they
 * are); where an update is donated, its noise is added in place.
 *
 * Unlike optax's `add_noise`, whose count starts at 1 after its increment, `step` here starts at 0
 * and Eq. 1 is written with (1 + t): the first update has σ² = η in both.
 *
 * Throws {@link OptionError} for bad options (see `compileNoiseSettings`).
 */
export function addGradientNoise(options: AddGradientNoiseOptions): GradientTransformation<NoiseState> {
  const { eta, gamma, schedule, stepsPerTick, generator } = compileNoiseSettings(options);
  const seed = checkSeed('seed', options.seed);
  const tensorKey = options.tensorKey ?? positionKey;
  return {
    init: () => ({ step: 0, seed }),
    update(updates, state, _params, donated) {
      const std = scheduledNoiseStd(state.step, eta, gamma, schedule, stepsPerTick);
      const next = { step: state.step + 1, seed: state.seed };
      if (std === 0) return { updates, state: next };
      return { updates: addNoise(updates, std, state, generator, donated, tensorKey), state: next };
    },
  };
}

/** Version 1's key of a tensor: its position in the update. */
function positionKey(index: number): number {
  return index;
}

/**
 * `updates` plus std × the unit normals of update `state.step` from `generator` (the
 * transformation's body), the tensor at position i keyed by `tensorKey(i)`. The sum for variable i goes into `updates[i]` itself where `donated[i]`
 * (the noise is then added in place), else into a new array.
 */
export function addNoise(
  updates: HostTensors,
  std: number,
  state: NoiseState,
  generator: NoiseGenerator,
  donated?: readonly boolean[],
  tensorKey: (index: number) => number = positionKey,
): HostTensors {
  return mapHost(updates, (values, position) => {
    const out = donated?.[position] === true ? values : new Float32Array(values.length);
    const index = tensorKey(position);
    const key = { seed: state.seed, step: state.step, index };
    if (generator === 'ziggurat') addScaledNormals(out, values, std, noiseStreams(key.seed, key.step, index));
    else if (generator === 'philox') addScaledNormalsPhilox(out, values, std, key);
    else addScaledNormalsBoxMuller(out, values, std, key);
    return out;
  });
}
