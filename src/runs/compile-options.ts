import {
  type InnerOptimizerOptions,
  invalidArgument,
  prefixFieldError,
  type RunSpec,
  withFieldPrefix,
} from '../core/index.js';
import type { DataRootPolicy } from '../data/index.js';
import {
  type ClipOptions,
  compileClipOptions,
  compileInnerOptimizerOptions,
  compileLearningRateSchedule,
  compileNoiseSettings,
  type LearningRateScheduleOptions,
  type NoiseSettings,
  OptionError,
} from '../optim/index.js';
import { findMetric, type TrainerDefinition } from '../trainers/index.js';

/**
 * The optimizer parts of a run request compiled against its trainer's defaults: each is the optim
 * module's one check of its options (src/optim), with the trainer's defaults beneath the request
 * and the field path (`optimizer.`, `noise.`, `clip.`, `lrSchedule.`) in front of any error.
 */

const DEFAULT_OPTIMIZER: InnerOptimizerOptions = { kind: 'sgd', learningRate: 0.01 };

export function compileOptimizer(
  trainer: TrainerDefinition,
  requested: Partial<InnerOptimizerOptions> | undefined,
  config: Record<string, unknown> = trainer.defaults as Record<string, unknown>,
): InnerOptimizerOptions {
  const trainerDefault = trainer.defaultOptimizer ?? DEFAULT_OPTIMIZER;
  const rate = trainer.runDefaults?.(config).learningRate;
  const base = rate === undefined ? trainerDefault : { ...trainerDefault, learningRate: rate };
  const fields = dropUndefined({ ...(requested ?? {}) });
  // Another kind than the trainer's default starts from that kind's own defaults, not the
  // trainer's hyperparameters (Adam's epsilon means nothing to SGD).
  const merged =
    fields.kind === undefined || fields.kind === base.kind
      ? { ...base, ...fields }
      : { learningRate: base.learningRate, ...fields };
  try {
    return compileInnerOptimizerOptions(merged as InnerOptimizerOptions);
  } catch (error) {
    throw prefixed('optimizer.', error);
  }
}

/** The trainer's defaults under the requested fields, then the optim module's one check of them. */
export function compileNoise(
  trainer: TrainerDefinition,
  requested: Partial<NoiseSettings> | undefined,
): RunSpec['noise'] {
  try {
    return compileNoiseSettings({
      ...requested,
      eta: requested?.eta ?? trainer.defaultNoise.eta,
      gamma: requested?.gamma ?? trainer.defaultNoise.gamma,
    });
  } catch (error) {
    throw prefixed('noise.', error);
  }
}

export function compileClip(clip: ClipOptions): RunSpec['clip'] {
  try {
    return compileClipOptions(clip);
  } catch (error) {
    throw prefixed('clip.', error);
  }
}

/**
 * The optim module's one check of the schedule, with what it needs from the trainer: its epoch
 * size, and its declared evaluation metrics, which a plateau's metric must be one of (a trainer
 * that declares none accepts any name).
 */
export function compileSchedule(
  trainer: TrainerDefinition,
  config: Record<string, unknown>,
  optimizer: InnerOptimizerOptions,
  requested: LearningRateScheduleOptions | undefined,
  dataRoots: DataRootPolicy,
): RunSpec['lrSchedule'] {
  const evaluation = trainer.metrics.filter((m) => m.when === 'evaluation');
  try {
    return compileLearningRateSchedule(requested ?? trainer.runDefaults?.(config).lrSchedule ?? {}, {
      learningRate: optimizer.learningRate,
      stepsPerEpoch: () =>
        withFieldPrefix(`${trainer.name}.`, () => trainer.stepsPerEpoch(config, dataRoots)),
      ...(trainer.phases === undefined ? {} : { phases: trainer.phases }),
      ...(evaluation.length === 0
        ? {}
        : {
            metricDirection: (name: string) => findMetric(evaluation, name, 'evaluation')?.direction,
            metricNames: evaluation.map((m) => m.name),
          }),
    });
  } catch (error) {
    throw prefixed('lrSchedule.', error);
  }
}

/** Re-raises a nested validation error with a field-path prefix; anything else passes through. */
export function prefixed(prefix: string, error: unknown): unknown {
  if (error instanceof OptionError) {
    return invalidArgument(`${prefix}${error.field}`, error.value, error.allowed);
  }
  return prefixFieldError(prefix, error);
}

/** `value` without its undefined fields (so a spread does not clear a default). */
export function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
