import type { BinaryBatch } from '../../data/tasks/index.js';

/**
 * Error rates of predicted result digits, the measures of paper §4.5 and Kaiser & Sutskever (2016):
 * the bit error is the fraction of wrong digits, the sequence error the fraction of examples with
 * at least one wrong digit. A run "succeeds" (Table 5) when its error on long inputs is small.
 */
export interface DigitErrors {
  /** Wrong digits. */
  readonly wrongDigits: number;
  /** Examples with at least one wrong digit. */
  readonly wrongSequences: number;
  readonly digits: number;
  readonly sequences: number;
}

/**
 * Compares `predicted` with `targets`, both row-major `[sequences, width]`.
 */
export function countDigitErrors(
  predicted: ArrayLike<number>,
  targets: ArrayLike<number>,
  sequences: number,
  width: number,
): DigitErrors {
  let wrongDigits = 0;
  let wrongSequences = 0;
  for (let row = 0; row < sequences; row += 1) {
    let wrongHere = 0;
    for (let i = row * width; i < (row + 1) * width; i += 1) {
      if (predicted[i] !== targets[i]) wrongHere += 1;
    }
    wrongDigits += wrongHere;
    if (wrongHere > 0) wrongSequences += 1;
  }
  return { wrongDigits, wrongSequences, digits: sequences * width, sequences };
}

/** {@link countDigitErrors} of `batch`'s targets against `predicted` digits, row-major like them. */
export function batchDigitErrors(batch: BinaryBatch, predicted: ArrayLike<number>): DigitErrors {
  return countDigitErrors(predicted, batch.targets, batch.batchSize, batch.targetWidth);
}

/** Sums counts of several chunks of one evaluation. */
export function addDigitErrors(a: DigitErrors, b: DigitErrors): DigitErrors {
  return {
    wrongDigits: a.wrongDigits + b.wrongDigits,
    wrongSequences: a.wrongSequences + b.wrongSequences,
    digits: a.digits + b.digits,
    sequences: a.sequences + b.sequences,
  };
}

export const NO_DIGIT_ERRORS: DigitErrors = { wrongDigits: 0, wrongSequences: 0, digits: 0, sequences: 0 };

/** `[bitError, seqError]` as fractions in [0, 1]. */
export function errorRates(errors: DigitErrors): { readonly bitError: number; readonly seqError: number } {
  return {
    bitError: errors.digits === 0 ? 0 : errors.wrongDigits / errors.digits,
    seqError: errors.sequences === 0 ? 0 : errors.wrongSequences / errors.sequences,
  };
}
