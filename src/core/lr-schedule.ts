/**
 * The vocabulary of learning-rate schedules as a stored run spec names them (not the noise
 * `Schedule`). Types only; the validation and the functions live in `src/optim/lr-schedule.ts`.
 *
 * A schedule is a pure function of the step and of the evaluation history, in the spirit of optax's
 * schedules (`exponential_decay` with `staircase`, `contrib.reduce_on_plateau`): the learning rate
 * of step s is base × scale, floored at `minLearningRate`, where the scale is
 * - `constant`: 1;
 * - `step`: factor^floor(s / everySteps) (End-to-End Memory Networks halve it every 25 epochs);
 * - `plateau`: multiplied by `factor` each time more than `patience` evaluations in a row fail to
 *   improve `metric` by more than `minDelta`, the state {@link LearningRateState} kept in checkpoints.
 */
export type LearningRateScheduleKind = 'constant' | 'step' | 'plateau';

export const LEARNING_RATE_SCHEDULE_KINDS: readonly LearningRateScheduleKind[] = [
  'constant',
  'step',
  'plateau',
];

/** Which way a metric is better. */
export type MetricGoal = 'min' | 'max';

/** A compiled schedule, every field filled: what a stored spec holds. */
export type LearningRateScheduleSpec =
  | { readonly kind: 'constant' }
  | {
      readonly kind: 'step';
      /** Multiplies the learning rate every `everySteps` steps; in (0, 1]. */
      readonly factor: number;
      /** Run steps (trainStep calls) between two decays; a request in epochs is compiled to steps. */
      readonly everySteps: number;
      /** The learning rate never goes below this; in [0, the optimizer's learning rate]. */
      readonly minLearningRate: number;
      /**
       * Count `everySteps` from the first step of the trainer's current phase rather than from step
       * 0 (End-to-End Memory Networks restart the halving at the switch from linear start, §4.2).
       * Absent in specs stored before it existed: false.
       */
      readonly fromPhaseStart?: boolean;
    }
  | {
      readonly kind: 'plateau';
      /** An evaluation metric of the trainer, e.g. `test_loss`. */
      readonly metric: string;
      readonly direction: MetricGoal;
      /** Multiplies the learning rate on a plateau; in (0, 1]. */
      readonly factor: number;
      /** Evaluations in a row without improvement that are tolerated; the next one decays. */
      readonly patience: number;
      /** An improvement must beat the best value by more than this; >= 0. */
      readonly minDelta: number;
      readonly minLearningRate: number;
    };

export const CONSTANT_LEARNING_RATE: LearningRateScheduleSpec = Object.freeze({ kind: 'constant' });

/**
 * The state of a schedule between steps, as a checkpoint keeps it (optax's reduce_on_plateau
 * state {best, count, scale}). Only `plateau` changes it; the others are functions of the step.
 */
export interface LearningRateState {
  /** The factor on the base learning rate decided so far (plateau). Starts at 1. */
  readonly scale: number;
  /** The best metric value seen; null before the first evaluation that reported it. */
  readonly best: number | null;
  /** Evaluations in a row since the last improvement or decay. */
  readonly count: number;
  /** The first step (0-based) of the trainer's current phase; 0 without phases. */
  readonly phaseStart: number;
}

export const INITIAL_LEARNING_RATE_STATE: LearningRateState = Object.freeze({
  scale: 1,
  best: null,
  count: 0,
  phaseStart: 0,
});
