import {
  INITIAL_LEARNING_RATE_STATE,
  LEARNING_RATE_SCHEDULE_KINDS,
  type LearningRateScheduleKind,
  type LearningRateScheduleSpec,
  type LearningRateState,
  type MetricGoal,
} from '../core/index.js';
import { checkNumber, checkOneOf, OptionError } from './option-error.js';

/**
 * Learning-rate schedules (`core/lr-schedule.ts` for the vocabulary): their one validation, and the
 * pure functions of the step and the evaluation history that the training loop applies. Like
 * optax's schedules (`optax/schedules/_schedule.py`), the learning rate of a step is a function of
 * the step and of a small state record, so a checkpoint holding that record resumes exactly.
 */

/** A schedule as requested, before defaults; `undefined` means "the default". */
export interface LearningRateScheduleOptions {
  /** Default `constant`. */
  readonly kind?: LearningRateScheduleKind;
  /** step, plateau: the multiplier of each decay, in (0, 1]. Default 0.5. */
  readonly factor?: number;
  /** step: decay every this many steps (>= 1). Exactly one of everySteps and everyEpochs. */
  readonly everySteps?: number;
  /** step: decay every this many epochs (>= 1), compiled to steps with the trainer's epoch size. */
  readonly everyEpochs?: number;
  /** plateau: the evaluation metric watched, e.g. `test_loss`. Required. */
  readonly metric?: string;
  /** plateau: which way the metric is better. Default: the trainer's declared direction, else `min`. */
  readonly direction?: MetricGoal;
  /** plateau: evaluations without improvement tolerated before a decay, >= 0. Default 10. */
  readonly patience?: number;
  /** plateau: an improvement must beat the best value by more than this, >= 0. Default 0. */
  readonly minDelta?: number;
  /** step, plateau: the floor of the learning rate, in [0, the base learning rate]. Default 0. */
  readonly minLearningRate?: number;
  /** step: count the interval from the start of the trainer's current phase. Default false. */
  readonly fromPhaseStart?: boolean;
}

/** What compiling a schedule needs to know about the run. */
export interface LearningRateScheduleContext {
  /** The optimizer's (base) learning rate. */
  readonly learningRate: number;
  /** Steps in one epoch; called only for `everyEpochs`. */
  readonly stepsPerEpoch: () => number;
  /**
   * The direction of an evaluation metric the trainer declares, `undefined` for a name it does
   * not declare. Absent: the trainer declares no evaluation metrics, and any name is accepted (a
   * name its evaluations never report then never decays the rate).
   */
  readonly metricDirection?: (name: string) => MetricGoal | undefined;
  /** The declared evaluation metric names, for the error message. */
  readonly metricNames?: readonly string[];
  /** The trainer's declared phases; absent when it declares none. */
  readonly phases?: readonly string[];
}

const DEFAULT_FACTOR = 0.5;
const DEFAULT_PATIENCE = 10;
const MAX_PATIENCE = 1_000_000;
const MAX_METRIC_NAME = 128;

const FIELDS_BY_KIND: Readonly<
  Record<LearningRateScheduleKind, readonly (keyof LearningRateScheduleOptions)[]>
> = {
  constant: [],
  step: ['factor', 'everySteps', 'everyEpochs', 'minLearningRate', 'fromPhaseStart'],
  plateau: ['factor', 'metric', 'direction', 'patience', 'minDelta', 'minLearningRate'],
};

const ALL_FIELDS: readonly (keyof LearningRateScheduleOptions)[] = [
  'factor',
  'everySteps',
  'everyEpochs',
  'metric',
  'direction',
  'patience',
  'minDelta',
  'minLearningRate',
  'fromPhaseStart',
];

function checkFactor(value: unknown): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 1;
  if (!ok) throw new OptionError('factor', value, 'a number in (0, 1]');
  return value;
}

function checkInteger(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new OptionError(field, value, `an integer in [${min}, ${max}]`);
  }
  return value;
}

function checkMinLearningRate(value: unknown, learningRate: number): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= learningRate;
  if (!ok)
    throw new OptionError('minLearningRate', value, `a number in [0, ${learningRate}] (the learning rate)`);
  return value;
}

/**
 * Validates a schedule and fills its defaults: the one check of it, which the run spec's compile
 * step calls (prefixing `lrSchedule.`). A field the kind does not use is refused (it would do
 * nothing). Throws {@link OptionError} naming the field, e.g. `factor: got 0; allowed: a number in
 * (0, 1]`.
 */
export function compileLearningRateSchedule(
  o: LearningRateScheduleOptions,
  context: LearningRateScheduleContext,
): LearningRateScheduleSpec {
  const kind = checkOneOf('kind', o.kind ?? 'constant', LEARNING_RATE_SCHEDULE_KINDS);
  for (const field of ALL_FIELDS) {
    if (!FIELDS_BY_KIND[kind].includes(field) && o[field] !== undefined) {
      throw new OptionError(field, o[field], `unset for kind '${kind}'`);
    }
  }
  if (kind === 'constant') return { kind };
  const factor = checkFactor(o.factor ?? DEFAULT_FACTOR);
  const minLearningRate = checkMinLearningRate(o.minLearningRate ?? 0, context.learningRate);
  if (kind === 'step') {
    const everySteps = stepInterval(o, context);
    return { kind, factor, everySteps, minLearningRate, ...fromPhaseStart(o.fromPhaseStart, context) };
  }
  return {
    kind,
    ...plateauMetric(o, context),
    factor,
    patience: checkInteger('patience', o.patience ?? DEFAULT_PATIENCE, 0, MAX_PATIENCE),
    minDelta: checkNumber('minDelta', o.minDelta ?? 0, 0, false),
    minLearningRate,
  };
}

function stepInterval(o: LearningRateScheduleOptions, context: LearningRateScheduleContext): number {
  if (o.everySteps !== undefined && o.everyEpochs !== undefined) {
    throw new OptionError(
      'everyEpochs',
      o.everyEpochs,
      'unset when every_steps is set (give the interval one way)',
    );
  }
  if (o.everySteps !== undefined) return checkInteger('everySteps', o.everySteps, 1, Number.MAX_SAFE_INTEGER);
  if (o.everyEpochs === undefined) {
    throw new OptionError('everySteps', o.everySteps, "an integer >= 1 (or every_epochs) for kind 'step'");
  }
  return checkInteger('everyEpochs', o.everyEpochs, 1, Number.MAX_SAFE_INTEGER) * context.stepsPerEpoch();
}

/** `fromPhaseStart` only for a trainer with phases (without, it would mean nothing); false is left out. */
function fromPhaseStart(
  value: unknown,
  context: LearningRateScheduleContext,
): { readonly fromPhaseStart?: true } {
  if (value === undefined || value === false) return {};
  if (value !== true) throw new OptionError('fromPhaseStart', value, 'a boolean');
  if (context.phases === undefined || context.phases.length === 0) {
    throw new OptionError('fromPhaseStart', value, 'false for a trainer that declares no phases');
  }
  return { fromPhaseStart: true };
}

function plateauMetric(
  o: LearningRateScheduleOptions,
  context: LearningRateScheduleContext,
): { metric: string; direction: MetricGoal } {
  const { metric } = o;
  const names = context.metricNames ?? [];
  if (typeof metric !== 'string' || metric === '' || metric.length > MAX_METRIC_NAME) {
    const what =
      names.length > 0 ? `one of ${names.join(', ')}` : `a metric name of 1 to ${MAX_METRIC_NAME} characters`;
    throw new OptionError('metric', metric, `${what} (required for kind 'plateau')`);
  }
  const declared = context.metricDirection?.(metric);
  if (context.metricDirection !== undefined && declared === undefined) {
    throw new OptionError('metric', metric, `an evaluation metric of the trainer: ${names.join(', ')}`);
  }
  const direction = checkOneOf<MetricGoal>('direction', o.direction ?? declared ?? 'min', ['min', 'max']);
  return { metric, direction };
}

/** The starting state of every schedule. */
export function initialLearningRateState(): LearningRateState {
  return INITIAL_LEARNING_RATE_STATE;
}

/**
 * The learning rate of run step `step` (0-based, the `trainStep` index): `base` × the schedule's
 * scale, floored at its `minLearningRate`. A constant schedule returns `base` itself.
 */
export function learningRateAt(
  schedule: LearningRateScheduleSpec,
  base: number,
  step: number,
  state: LearningRateState,
): number {
  switch (schedule.kind) {
    case 'constant':
      return base;
    case 'step': {
      const counted = schedule.fromPhaseStart === true ? step - state.phaseStart : step;
      return Math.max(
        base * schedule.factor ** Math.floor(Math.max(counted, 0) / schedule.everySteps),
        schedule.minLearningRate,
      );
    }
    case 'plateau':
      return Math.max(base * state.scale, schedule.minLearningRate);
  }
}

/**
 * The state after an evaluation that reported `value` for the schedule's metric (`undefined`: it
 * did not report it, and the evaluation is ignored). An improvement (below `best - minDelta` for
 * `min`, above `best + minDelta` for `max`; the first value always) resets the count; anything else,
 * a non-finite one included (it could not be stored in a checkpoint as `best`), counts one more, and the count passing `patience` multiplies the scale by `factor`
 * and restarts the count (PyTorch's and Keras's ReduceLROnPlateau without cooldown). Other kinds
 * keep their state.
 */
/**
 * The smallest scale a plateau decays to (as optax's `reduce_on_plateau` has a `min_scale`): far
 * below any useful rate, and it keeps the state a finite number > 0, which a checkpoint can store
 * (without it, thousands of decays underflow the scale to 0 and the next resume is refused).
 */
export const MIN_PLATEAU_SCALE = 1e-12;

/** The state once the trainer's phase changed, `step` being the first step of the new phase. */
export function enterPhase(state: LearningRateState, step: number): LearningRateState {
  return { ...state, phaseStart: step };
}

export function observeEvaluation(
  schedule: LearningRateScheduleSpec,
  state: LearningRateState,
  value: number | undefined,
): LearningRateState {
  if (schedule.kind !== 'plateau' || value === undefined) return state;
  const { best } = state;
  const improved =
    best === null ||
    (schedule.direction === 'min' ? value < best - schedule.minDelta : value > best + schedule.minDelta);
  if (improved && Number.isFinite(value)) return { ...state, best: value, count: 0 };
  const count = state.count + 1;
  if (count > schedule.patience) {
    return { ...state, scale: Math.max(state.scale * schedule.factor, MIN_PLATEAU_SCALE), count: 0 };
  }
  return { ...state, count };
}
