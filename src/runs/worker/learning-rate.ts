import {
  INITIAL_LEARNING_RATE_STATE,
  type LearningRateScheduleSpec,
  type LearningRateState,
} from '../../core/index.js';
import { enterPhase, learningRateAt, type NoisyOptimizer, observeEvaluation } from '../../optim/index.js';

/**
 * Drives a run's learning-rate schedule (`optim/lr-schedule.ts`) in the training loop: before
 * `trainStep(s)` it sets the rate of step s on the optimizer, after each evaluation it feeds the
 * schedule the metric, and its {@link state} goes into every checkpoint and comes back on resume,
 * so a resumed run has the rate of the uninterrupted one at every step.
 *
 * The rate is reported as the per-step metric `learning_rate` only when the schedule is not
 * constant: a constant rate says nothing the spec does not, and runs stored before schedules
 * existed keep exactly the series they had.
 */
export class LearningRateDriver {
  readonly #schedule: LearningRateScheduleSpec;
  readonly #base: number;
  readonly #optimizer: NoisyOptimizer;
  #state: LearningRateState = INITIAL_LEARNING_RATE_STATE;

  constructor(schedule: LearningRateScheduleSpec, baseLearningRate: number, optimizer: NoisyOptimizer) {
    this.#schedule = schedule;
    this.#base = baseLearningRate;
    this.#optimizer = optimizer;
  }

  /** Whether steps report `learning_rate`. */
  get reports(): boolean {
    return this.#schedule.kind !== 'constant';
  }

  /** The schedule's state, for a checkpoint. */
  get state(): LearningRateState {
    return this.#state;
  }

  /** Restores the state of a checkpoint. */
  restore(state: LearningRateState): void {
    this.#state = state;
  }

  /** Sets the rate of step `step` (0-based) on the optimizer and returns it. */
  beforeStep(step: number): number {
    const rate = learningRateAt(this.#schedule, this.#base, step, this.#state);
    this.#optimizer.setLearningRate(rate);
    return rate;
  }

  /** The trainer entered a new phase whose first step is `step` (a phase-relative step counts from it). */
  phaseStarted(step: number): void {
    this.#state = enterPhase(this.#state, step);
  }

  /** Feeds the schedule an evaluation's values (a plateau reads its metric; the rest ignore it). */
  afterEvaluation(values: ReadonlyMap<string, number>): void {
    if (this.#schedule.kind !== 'plateau') return;
    this.#state = observeEvaluation(this.#schedule, this.#state, values.get(this.#schedule.metric));
  }
}
