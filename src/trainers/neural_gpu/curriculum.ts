import type { Sfc32 } from '../../core/index.js';
import { failedPrecondition } from '../../core/index.js';

/**
 * The length curriculum of the Neural GPU (Kaiser & Sutskever, 2016, §3 "curriculum"): training
 * starts on short operands and moves to longer ones as the model masters the current length.
 *
 * Each step draws its operand length: with probability 1/2 the current length (the frontier),
 * otherwise uniformly from 1 to the current length, so shorter lengths are not forgotten. The
 * sequence errors of training batches at the frontier are averaged over `window` batches; when the
 * mean is at most `threshold`, the frontier moves one digit up to at most `maxLength`, and a new
 * window starts either way (threshold 0: only flawless windows advance; 1: every window does). The state is three numbers, saved in checkpoints for exact resume.
 */
export interface CurriculumState {
  /** The current (frontier) operand length. */
  readonly length: number;
  /** Sum of the sequence errors of the frontier batches in the open window. */
  readonly windowErrorSum: number;
  /** Frontier batches in the open window. */
  readonly windowBatches: number;
}

export interface CurriculumOptions {
  readonly start: number;
  readonly maxLength: number;
  readonly threshold: number;
  readonly window: number;
}

export function initialCurriculum(options: CurriculumOptions): CurriculumState {
  return { length: options.start, windowErrorSum: 0, windowBatches: 0 };
}

/** The operand length of one training batch, drawn from `random`. */
export function sampleTrainLength(state: CurriculumState, random: Sfc32): number {
  if (random.uniform() < 0.5) return state.length;
  return 1 + random.below(state.length);
}

/** The state after a training batch of `batchLength` with sequence error `seqError` in [0, 1]. */
export function updateCurriculum(
  state: CurriculumState,
  options: CurriculumOptions,
  batchLength: number,
  seqError: number,
): CurriculumState {
  if (batchLength !== state.length) return state;
  const windowErrorSum = state.windowErrorSum + seqError;
  const windowBatches = state.windowBatches + 1;
  if (windowBatches < options.window) return { length: state.length, windowErrorSum, windowBatches };
  const advance = windowErrorSum / windowBatches <= options.threshold && state.length < options.maxLength;
  return { length: advance ? state.length + 1 : state.length, windowErrorSum: 0, windowBatches: 0 };
}

/** Reads a state saved by a checkpoint, checking every field. */
export function parseCurriculum(value: unknown, options: CurriculumOptions): CurriculumState {
  if (typeof value === 'object' && value !== null) {
    const { length, windowErrorSum, windowBatches } = value as Record<string, unknown>;
    if (
      typeof length === 'number' &&
      Number.isInteger(length) &&
      length >= 1 &&
      length <= options.maxLength &&
      typeof windowErrorSum === 'number' &&
      Number.isFinite(windowErrorSum) &&
      typeof windowBatches === 'number' &&
      Number.isInteger(windowBatches) &&
      windowBatches >= 0 &&
      windowBatches < options.window
    ) {
      return { length, windowErrorSum, windowBatches };
    }
  }
  throw failedPrecondition(`neural_gpu checkpoint: invalid curriculum state ${JSON.stringify(value)}`);
}
