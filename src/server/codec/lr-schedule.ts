import type { LearningRateScheduleKind, LearningRateScheduleSpec, MetricGoal } from '../../core/index.js';
import type {
  LearningRateSchedule,
  LearningRateSchedule__Output,
} from '../../generated/proto/gradnoise/v1/LearningRateSchedule.js';
import type { RunRequest } from '../../runs/compile-spec.js';
import { enumValue, int64 } from '../fields.js';

/** The wire form of learning-rate schedules (`LearningRateSchedule` in training.proto). */

type LearningRateScheduleOptions = NonNullable<RunRequest['lrSchedule']>;

const KIND: Readonly<Record<string, LearningRateScheduleKind>> = {
  LEARNING_RATE_SCHEDULE_KIND_CONSTANT: 'constant',
  LEARNING_RATE_SCHEDULE_KIND_STEP: 'step',
  LEARNING_RATE_SCHEDULE_KIND_PLATEAU: 'plateau',
};
/** `MetricDirection` (training.proto), shared with retention's keep_best. */
export const METRIC_DIRECTION: Readonly<Record<string, MetricGoal>> = {
  METRIC_DIRECTION_MIN: 'min',
  METRIC_DIRECTION_MAX: 'max',
};

/**
 * Translates a schedule to domain terms only: enums to names, the int64 intervals to numbers (0,
 * the proto default, to unset), an empty metric to unset. The values are the optim module's to check
 * (`compileLearningRateSchedule`), once, when the run spec is compiled.
 */
export function decodeLearningRateSchedule(s: LearningRateSchedule__Output): LearningRateScheduleOptions {
  const options: { -readonly [K in keyof LearningRateScheduleOptions]: LearningRateScheduleOptions[K] } = {};
  const kind = enumValue('lr_schedule.kind', s.kind, KIND, 'LEARNING_RATE_SCHEDULE_KIND_UNSPECIFIED');
  if (kind !== undefined) options.kind = kind;
  if (s.factor !== undefined) options.factor = s.factor;
  const everySteps = int64('lr_schedule.every_steps', s.everySteps, 0, Number.MAX_SAFE_INTEGER);
  if (everySteps !== 0) options.everySteps = everySteps;
  const everyEpochs = int64('lr_schedule.every_epochs', s.everyEpochs, 0, Number.MAX_SAFE_INTEGER);
  if (everyEpochs !== 0) options.everyEpochs = everyEpochs;
  if (s.metric !== '') options.metric = s.metric;
  const direction = enumValue(
    'lr_schedule.direction',
    s.direction,
    METRIC_DIRECTION,
    'METRIC_DIRECTION_UNSPECIFIED',
  );
  if (direction !== undefined) options.direction = direction;
  if (s.patience !== undefined) options.patience = s.patience;
  if (s.minDelta !== undefined) options.minDelta = s.minDelta;
  if (s.minLearningRate !== undefined) options.minLearningRate = s.minLearningRate;
  if (s.fromPhaseStart) options.fromPhaseStart = true;
  return options;
}

/** A compiled schedule as a message that compiles back to it (a step interval in steps). */
export function encodeLearningRateSchedule(spec: LearningRateScheduleSpec): LearningRateSchedule {
  switch (spec.kind) {
    case 'constant':
      return { kind: 'LEARNING_RATE_SCHEDULE_KIND_CONSTANT' };
    case 'step':
      return {
        kind: 'LEARNING_RATE_SCHEDULE_KIND_STEP',
        factor: spec.factor,
        everySteps: spec.everySteps,
        minLearningRate: spec.minLearningRate,
        fromPhaseStart: spec.fromPhaseStart === true,
      };
    case 'plateau':
      return {
        kind: 'LEARNING_RATE_SCHEDULE_KIND_PLATEAU',
        metric: spec.metric,
        direction: spec.direction === 'min' ? 'METRIC_DIRECTION_MIN' : 'METRIC_DIRECTION_MAX',
        factor: spec.factor,
        patience: spec.patience,
        minDelta: spec.minDelta,
        minLearningRate: spec.minLearningRate,
      };
  }
}
