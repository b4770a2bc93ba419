import { failedPrecondition } from '../../core/index.js';
import { PHASE_METRIC, type TrainerDefinition, type TrainerSession } from '../../trainers/index.js';

/**
 * Follows a session's training phase (`TrainerSession.phase`) through one attempt and turns it into
 * the per-step metric `phase`: the phase's index in the trainer's declared `phases`, set at the
 * first step of a run and at every step after which the phase differs from the step before.
 *
 * A resumed attempt starts from the phase the session was restored into, i.e. the one its
 * checkpoint recorded, so it reports the same changes at the same steps as an uninterrupted run:
 * one point per (name, step), whichever attempt posted it.
 */
export class PhaseTracker {
  readonly #trainer: string;
  readonly #phases: readonly string[] | undefined;
  readonly #session: TrainerSession;
  #last: string | undefined;

  /** `resumed`: the session was restored from a checkpoint (its phase is not new). */
  constructor(trainer: TrainerDefinition, session: TrainerSession, resumed: boolean) {
    this.#trainer = trainer.name;
    this.#phases = trainer.phases;
    this.#session = session;
    this.#last = resumed ? this.current() : undefined;
  }

  /**
   * The session's phase now, checked against the declaration: undefined for a trainer without
   * phases. Throws FAILED_PRECONDITION for a phase it did not declare (or one without declaring any).
   */
  current(): string | undefined {
    const phase = this.#session.phase;
    if (phase === undefined && this.#phases === undefined) return undefined;
    if (phase === undefined || this.#phases === undefined || !this.#phases.includes(phase)) {
      throw failedPrecondition(
        `trainer ${this.#trainer} is in phase ${JSON.stringify(phase ?? null)}; ` +
          `it declares ${this.#phases === undefined ? 'no phases' : `phases ${this.#phases.join(', ')}`}`,
      );
    }
    return phase;
  }

  /**
   * Reads the phase after a step and sets the step's `phase` point into `values` when it is new.
   * Returns whether the phase changed from the one before (not the first phase of a run).
   */
  observe(values: Map<string, number>): boolean {
    const phase = this.current();
    if (phase === undefined || phase === this.#last) return false;
    const changed = this.#last !== undefined;
    this.#last = phase;
    values.set(PHASE_METRIC, (this.#phases ?? []).indexOf(phase));
    return changed;
  }
}
