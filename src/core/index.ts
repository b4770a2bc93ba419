/**
 * The domain core: the vocabulary every layer shares, and nothing else. A run's compiled spec and
 * its statuses, metric points, budget limits, the option vocabulary of the noisy optimizer, the
 * application error, and the seeded random streams. It imports nothing of ours and loads no tfjs,
 * so the store, the checkpoint reader, clients and worker threads can all depend on it.
 */

export {
  type AshaMode,
  decideRung,
  type EarlyStopping,
  type RungDecision,
  type RungEntry,
  type RungReport,
  replayRungs,
  rungBudgets,
} from './asha.js';
export {
  type CheckpointRetention,
  INIT_MODES,
  type InitFrom,
  type InitMode,
  type KeepBest,
  RETENTION_LIMITS,
} from './checkpoints.js';
export type { DenseStackKernels } from './dense-kernels.js';
export {
  AppError,
  type AppErrorOptions,
  describeValue,
  type ErrorCode,
  type FieldViolation,
  failedPrecondition,
  invalidArgument,
  isAppError,
  notFound,
  prefixFieldError,
  type QuotaViolation,
  withFieldPrefix,
} from './errors.js';
export { LIMITS } from './limits.js';
export {
  CONSTANT_LEARNING_RATE,
  INITIAL_LEARNING_RATE_STATE,
  LEARNING_RATE_SCHEDULE_KINDS,
  type LearningRateScheduleKind,
  type LearningRateScheduleSpec,
  type LearningRateState,
  type MetricGoal,
} from './lr-schedule.js';
export type { NeuralGpuKernels, NeuralGpuTape } from './neural-gpu-kernels.js';
export type { NramKernels } from './nram-kernels.js';
export {
  type ClipSpec,
  DEFAULT_NOISE_GENERATOR,
  type InnerOptimizerOptions,
  NOISE_GENERATORS,
  NOISE_TARGETS,
  type NoiseGenerator,
  type NoiseSpec,
  type NoiseTarget,
  OPTIMIZER_KINDS,
  type OptimizerKind,
  SCHEDULES,
  type Schedule,
} from './optimizer-types.js';
export {
  CURRENT_STREAM_VERSION,
  DATASET_STREAM_VERSION,
  NOISE_LANE,
  noiseStreams,
  philoxKey,
  type RunStreams,
  runStreams,
  STREAM_VERSIONS,
  Stream,
  type StreamPurpose,
  type StreamVersion,
  streamFor,
  tensorNameKey,
} from './random.js';
export { keyedStream, mix32, Sfc32, words } from './sfc32.js';
export {
  type MetricPoint,
  RUN_STATUSES,
  type RunEndReason,
  type RunSpec,
  type RunStatus,
  storedRunSpec,
  TERMINAL_STATUSES,
} from './spec.js';
