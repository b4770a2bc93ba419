/**
 * The domain core: the vocabulary every layer shares, and nothing else. A run's compiled spec and
 * its statuses, metric points, budget limits, the option vocabulary of the noisy optimizer, the
 * application error, and the seeded random streams. It imports nothing of ours and loads no tfjs,
 * so the store, the checkpoint reader, clients and worker threads can all depend on it.
 */
export {
  AppError,
  describeValue,
  type ErrorCode,
  failedPrecondition,
  invalidArgument,
  isAppError,
  notFound,
  prefixFieldError,
  withFieldPrefix,
} from './errors.js';
export { LIMITS } from './limits.js';
export {
  DEFAULT_NOISE_GENERATOR,
  type InnerOptimizerOptions,
  NOISE_GENERATORS,
  NOISE_TARGETS,
  type NoiseGenerator,
  type NoiseTarget,
  OPTIMIZER_KINDS,
  type OptimizerKind,
  SCHEDULES,
  type Schedule,
} from './optimizer-types.js';
export { hashKey, Rng, rng, Stream } from './random.js';
export { type MetricPoint, type RunSpec, type RunStatus, storedRunSpec, TERMINAL_STATUSES } from './spec.js';
