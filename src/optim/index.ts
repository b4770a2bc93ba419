/**
 * The noisy optimizer: annealed Gaussian gradient noise (Neelakantan et al., "Adding Gradient
 * Noise Improves Learning for Very Deep Networks", §3) around any tfjs optimizer, plus the
 * optax-style transformations it is built from. Depends on @tensorflow/tfjs and the domain core only;
 * the option vocabulary (kinds, schedules, generators) is the core's (`src/core/optimizer-types.ts`).
 */
export { ADD_N_INPUTS, addMany } from './add-many.js';
export { addScaledNormalsBoxMuller, type NoiseKey } from './box-muller.js';
export { clipByGlobalNorm, clipByTensorNorm, clipByValue, globalNorm, tensorNorm } from './clip.js';
export { addScaledNormals, type NormalStreams, standardNormals } from './gaussian.js';
export { hostReadable } from './host-readable.js';
export { type AxpyKernel, axpyInJs } from './host-sgd.js';
export { compileInnerOptimizerOptions, createInnerOptimizer, setInnerLearningRate } from './inner.js';
export {
  compileLearningRateSchedule,
  enterPhase,
  initialLearningRateState,
  type LearningRateScheduleContext,
  type LearningRateScheduleOptions,
  learningRateAt,
  MIN_PLATEAU_SCALE,
  observeEvaluation,
} from './lr-schedule.js';
export { type AddGradientNoiseOptions, addGradientNoise, type NoiseState } from './noise.js';
export { createNoisyOptimizer, NoisyOptimizer } from './noisy-optimizer.js';
export type { OptimizerState, StepStats } from './optimizer-state.js';
export { OptionError } from './option-error.js';
export {
  type ClipOptions,
  type CompiledNoiseOptions,
  type CompiledNoiseSettings,
  compileClipOptions,
  compileNoiseOptions,
  compileNoiseSettings,
  DEFAULT_GAMMA,
  type NoiseOptions,
  type NoiseSettings,
} from './options.js';
export { addScaledNormalsPhilox } from './philox.js';
export { noiseStd, noiseTick, noiseVariance, scheduledNoiseStd } from './schedule.js';
export type { NamedTensor } from './slots.js';
export { readStorage, writableStorage } from './storage.js';
export {
  chain,
  type ElementOf,
  EMPTY_STATE,
  type EmptyState,
  type GradientTransformation,
  type HostTensors,
  type StatesOf,
  type TransformResult,
  type Updates,
} from './transform.js';
