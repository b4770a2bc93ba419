import {
  CURRENT_STREAM_VERSION,
  type InnerOptimizerOptions,
  invalidArgument,
  LIMITS,
  type RunSpec,
  STREAM_VERSIONS,
  type StreamVersion,
  withFieldPrefix,
} from '../core/index.js';
import type { DataRootPolicy } from '../data/index.js';
import type { ClipOptions, LearningRateScheduleOptions, NoiseSettings } from '../optim/index.js';
import { builtinTrainers, type TrainerDefinition, type TrainerRegistry } from '../trainers/index.js';
import {
  compileClip,
  compileNoise,
  compileOptimizer,
  compileSchedule,
  dropUndefined,
  prefixed,
} from './compile-options.js';
import { compileRetention, type RetentionRequest } from './compile-retention.js';

/**
 * A run request in domain terms, before defaults: what a client (gRPC, CLI, sweep grid) asked for.
 * `undefined` means "use the default".
 */
export interface RunRequest {
  readonly trainer: string;
  /** Fields of the trainer's config to override; merged over its defaults (one level deep for objects). */
  readonly trainerConfig?: Readonly<Record<string, unknown>>;
  /** Optimizer; when `kind` is undefined the trainer's default optimizer is used as the base. */
  readonly optimizer?: Partial<InnerOptimizerOptions>;
  /** Noise fields to set; the rest are the trainer's (eta, gamma) or the optim module's defaults. */
  readonly noise?: Partial<NoiseSettings>;
  /** `undefined`: the trainer's default clipping; an object: exactly these bounds. */
  readonly clip?: ClipOptions;
  /** `undefined`: a constant learning rate. */
  readonly lrSchedule?: LearningRateScheduleOptions;
  readonly seed?: number;
  /** 0 or undefined: the trainer's default (unless maxEpochs). */
  readonly maxSteps?: number;
  readonly maxEpochs?: number;
  readonly evalEvery?: number;
  readonly checkpointEvery?: number;
  /** The run's random streams (`src/core/random.ts`); undefined: the current version. */
  readonly streamVersion?: number;
  /** Which checkpoints to keep; undefined: every one. */
  readonly retention?: RetentionRequest;
}

/**
 * Validates a request and fills every default, producing the `RunSpec` that is stored and trained.
 * A run draws from the stream version it asks for, by default the current one (`CURRENT_STREAM_VERSION`).
 * Throws `AppError('INVALID_ARGUMENT')` naming the field path (e.g. `noise.eta`, `mlp.depth`).
 * `dataRoots` bounds what a budget in epochs may read to count a data set's samples; the data
 * itself is checked by `preflightRuns` and again at every read in the worker. `trainers` is the
 * service's registry (built-ins and plugins); an unknown trainer is INVALID_ARGUMENT `trainer`.
 */
export function compileRunSpec(
  request: RunRequest,
  dataRoots: DataRootPolicy,
  trainers: TrainerRegistry = builtinTrainers,
): RunSpec {
  const trainer = trainers.get(request.trainer);
  const trainerConfig = compileTrainerConfig(trainer, request.trainerConfig ?? {});
  const optimizer = compileOptimizer(trainer, request.optimizer, trainerConfig);
  const noise = compileNoise(trainer, request.noise);
  const clip = compileClip(request.clip ?? trainer.defaultClip ?? {});

  const seed = request.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > LIMITS.maxSeed) {
    throw invalidArgument('seed', seed, `an integer in [0, ${LIMITS.maxSeed}]`);
  }
  const maxSteps = compileBudget(
    trainer,
    trainerConfig,
    request.maxSteps ?? 0,
    request.maxEpochs ?? 0,
    dataRoots,
  );
  const evalEvery = compileInterval('eval_every', request.evalEvery ?? 0, maxSteps, 20);
  const checkpointEvery = compileInterval('checkpoint_every', request.checkpointEvery ?? 0, maxSteps, 10);
  const lrSchedule = compileSchedule(trainer, trainerConfig, optimizer, request.lrSchedule, dataRoots);
  const retention = compileRetention(trainer, request.retention);
  return {
    trainer: trainer.name,
    trainerConfig,
    optimizer,
    noise,
    clip,
    lrSchedule,
    seed,
    streamVersion: compileStreamVersion(request.streamVersion),
    maxSteps,
    evalEvery,
    checkpointEvery,
    ...(retention === undefined ? {} : { retention }),
  };
}

function compileStreamVersion(value: number | undefined): StreamVersion {
  if (value === undefined) return CURRENT_STREAM_VERSION;
  const version = STREAM_VERSIONS.find((v) => v === value);
  if (version === undefined) {
    throw invalidArgument(
      'stream_version',
      value,
      `one of ${STREAM_VERSIONS.join(', ')} (0 or unset: the current, ${CURRENT_STREAM_VERSION})`,
    );
  }
  return version;
}

function compileTrainerConfig(
  trainer: TrainerDefinition,
  overrides: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const defaults = trainer.defaults as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    // The schema, not the defaults: an optional field without a default is absent from those.
    if (!Object.hasOwn(trainer.schema, key))
      throw invalidArgument(`${trainer.name}.${key}`, value, 'a field of this trainer');
    const base = defaults[key];
    merged[key] = isPlainObject(base) && isPlainObject(value) ? dropUndefined({ ...base, ...value }) : value;
  }
  try {
    return trainer.compile(merged) as Record<string, unknown>;
  } catch (error) {
    throw prefixed(`${trainer.name}.`, error);
  }
}

function compileBudget(
  trainer: TrainerDefinition,
  config: Record<string, unknown>,
  maxSteps: number,
  maxEpochs: number,
  dataRoots: DataRootPolicy,
): number {
  if (!Number.isInteger(maxSteps) || maxSteps < 0 || maxSteps > LIMITS.maxSteps) {
    throw invalidArgument(
      'max_steps',
      maxSteps,
      `an integer in [0, ${LIMITS.maxSteps}] (0: the trainer's default)`,
    );
  }
  if (!Number.isInteger(maxEpochs) || maxEpochs < 0 || maxEpochs > LIMITS.maxEpochs) {
    throw invalidArgument('max_epochs', maxEpochs, `an integer in [0, ${LIMITS.maxEpochs}]`);
  }
  if (maxSteps > 0 && maxEpochs > 0) {
    throw invalidArgument('max_epochs', maxEpochs, '0 when max_steps is set (give the budget one way)');
  }
  if (maxEpochs > 0) {
    const steps =
      maxEpochs * withFieldPrefix(`${trainer.name}.`, () => trainer.stepsPerEpoch(config, dataRoots));
    if (steps > LIMITS.maxSteps) {
      throw invalidArgument(
        'max_epochs',
        maxEpochs,
        `at most ${LIMITS.maxSteps} optimizer steps in all (this is ${steps})`,
      );
    }
    return steps;
  }
  return maxSteps > 0 ? maxSteps : trainer.defaultMaxSteps;
}

function compileInterval(field: string, value: number, maxSteps: number, perRun: number): number {
  if (!Number.isInteger(value) || value < 0 || value > LIMITS.maxSteps) {
    throw invalidArgument(field, value, `an integer in [0, ${LIMITS.maxSteps}] (0: about ${perRun} per run)`);
  }
  return value > 0 ? value : Math.max(1, Math.ceil(maxSteps / perRun));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
