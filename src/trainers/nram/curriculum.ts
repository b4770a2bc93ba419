import type { Sfc32 } from '../../core/index.js';
import { failedPrecondition } from '../../core/index.js';

/**
 * The list-length curriculum of ListK (Kurach et al., 2016, §4: tasks get harder as the model
 * masters easier ones). Each example of a batch has the frontier length with probability
 * `share`, otherwise a length uniform below it, and k uniform below its length. Over a window of
 * `window` steps the errors of the frontier examples are counted; at its end the frontier grows by
 * one node (up to `maxLength`) when their error rate is at most `threshold`, and a new window
 * starts either way. The state is four integers, saved in checkpoints for an exact resume.
 */
export interface CurriculumState {
  /** The frontier list length. */
  readonly length: number;
  /** Steps in the open window. */
  readonly windowSteps: number;
  /** Frontier examples in the open window. */
  readonly windowExamples: number;
  /** Wrong answers among them. */
  readonly windowErrors: number;
}

export interface CurriculumOptions {
  readonly start: number;
  readonly maxLength: number;
  readonly share: number;
  readonly threshold: number;
  readonly window: number;
}

export function initialCurriculum(options: CurriculumOptions): CurriculumState {
  return { length: options.start, windowSteps: 0, windowExamples: 0, windowErrors: 0 };
}

/** The list lengths of a batch of `batchSize`, drawn from `random`. */
export function sampleLengths(
  state: CurriculumState,
  options: CurriculumOptions,
  batchSize: number,
  random: Sfc32,
): number[] {
  return Array.from({ length: batchSize }, () => {
    const atFrontier = random.uniform() < options.share;
    return atFrontier || state.length === 1 ? state.length : 1 + random.below(state.length - 1);
  });
}

/** The state after a training batch of `lengths` whose answers were `correct`. */
export function updateCurriculum(
  state: CurriculumState,
  options: CurriculumOptions,
  lengths: ArrayLike<number>,
  correct: ArrayLike<boolean>,
): CurriculumState {
  let windowExamples = state.windowExamples;
  let windowErrors = state.windowErrors;
  for (let i = 0; i < lengths.length; i += 1) {
    if (lengths[i] !== state.length) continue;
    windowExamples += 1;
    if (!correct[i]) windowErrors += 1;
  }
  const windowSteps = state.windowSteps + 1;
  if (windowSteps < options.window)
    return { length: state.length, windowSteps, windowExamples, windowErrors };
  const advance =
    windowExamples > 0 &&
    windowErrors <= options.threshold * windowExamples &&
    state.length < options.maxLength;
  return { length: state.length + (advance ? 1 : 0), windowSteps: 0, windowExamples: 0, windowErrors: 0 };
}

/** Reads a state saved by a checkpoint, checking every field. */
export function parseCurriculum(value: unknown, options: CurriculumOptions): CurriculumState {
  if (typeof value === 'object' && value !== null) {
    const { length, windowSteps, windowExamples, windowErrors } = value as Record<string, unknown>;
    const count = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
    if (
      count(length) &&
      length >= 1 &&
      length <= options.maxLength &&
      count(windowSteps) &&
      windowSteps < options.window &&
      count(windowExamples) &&
      count(windowErrors) &&
      windowErrors <= windowExamples
    ) {
      return { length, windowSteps, windowExamples, windowErrors };
    }
  }
  throw failedPrecondition(`nram checkpoint: invalid curriculum state ${JSON.stringify(value)}`);
}
