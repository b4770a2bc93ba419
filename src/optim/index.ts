/**
 * The noisy optimizer: annealed Gaussian gradient noise (Neelakantan et al., "Adding Gradient
 * Noise Improves Learning for Very Deep Networks", §3) around any tfjs optimizer, plus the
 * optax-style transformations it is built from. Depends on @tensorflow/tfjs only.
 */
export { addScaledNormalsBoxMuller, type NoiseKey } from './box-muller.js';
export { clipByGlobalNorm, clipByValue, globalNorm } from './clip.js';
export { addScaledNormals, type NormalStreams, standardNormals } from './gaussian.js';
export {
  compileInnerOptimizerOptions,
  createInnerOptimizer,
  type InnerOptimizerOptions,
  OPTIMIZER_KINDS,
  type OptimizerKind,
} from './inner.js';
export { type AddGradientNoiseOptions, addGradientNoise, type NoiseState } from './noise.js';
export {
  createNoisyOptimizer,
  NoisyOptimizer,
  type OptimizerState,
  type StepStats,
} from './noisy-optimizer.js';
export { OptionError } from './option-error.js';
export {
  type ClipOptions,
  type CompiledNoiseOptions,
  compileNoiseOptions,
  DEFAULT_GAMMA,
  DEFAULT_NOISE_GENERATOR,
  NOISE_GENERATORS,
  NOISE_TARGETS,
  type NoiseGenerator,
  type NoiseOptions,
  type NoiseTarget,
  SCHEDULES,
} from './options.js';
export { NOISE_LANE, noiseStreams, Sfc32, streamFor } from './random.js';
export { noiseStd, noiseTick, noiseVariance, type Schedule, scheduledNoiseStd } from './schedule.js';
export type { NamedTensor } from './slots.js';
export {
  chain,
  EMPTY_STATE,
  type EmptyState,
  type GradientTransformation,
  type HostTensors,
  type StatesOf,
  type TransformResult,
} from './transform.js';
