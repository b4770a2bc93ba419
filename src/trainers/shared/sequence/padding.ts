import { invalidArgument } from '../../../core/index.js';
import { PAD_ID } from './vocabulary.js';

/**
 * What to do with a sequence longer than the padded length: `error` (the default: nothing is
 * dropped unless asked), `keepFirst` (cut the tail) or `keepLast` (cut the head: the most recent
 * items, as a memory of the last N sentences keeps).
 */
export type Overflow = 'error' | 'keepFirst' | 'keepLast';
export const OVERFLOWS: readonly Overflow[] = ['error', 'keepFirst', 'keepLast'];

/** A sequence of token ids: every id an integer >= 1, since `PAD_ID` (0) marks padding. */
export type IdSequence = ArrayLike<number>;

export interface PadOptions {
  /** The padded length. Default: the longest sequence of the batch. */
  readonly length?: number;
  /** For a sequence longer than `length`. Default `error`. */
  readonly overflow?: Overflow;
  /** Name of the batch in error messages. Default `sequences`. */
  readonly field?: string;
}

/** A batch padded to a dense row-major `[batch, length]` layout; `ids[b·length + i]`. */
export interface PaddedSequences {
  readonly shape: readonly [batch: number, length: number];
  /** The ids, `PAD_ID` after each sequence's end. */
  readonly ids: Int32Array;
  /** `[batch]`: ids kept per sequence (after truncation). */
  readonly lengths: Int32Array;
  /** `[batch, length]`: 1 for a real id, 0 for padding. */
  readonly mask: Float32Array;
  /** `[batch]`: index in the original sequence of the first kept id (> 0 only under `keepLast`). */
  readonly offsets: Int32Array;
}

/** Checks a padded length, a max count or the like: an integer >= `min`. */
export function checkCount(field: string, value: number, min: number): number {
  if (!(Number.isInteger(value) && value >= min)) throw invalidArgument(field, value, `an integer >= ${min}`);
  return value;
}

export function checkOverflow(field: string, value: Overflow | undefined): Overflow {
  const overflow = value ?? 'error';
  if (!OVERFLOWS.includes(overflow)) throw invalidArgument(field, overflow, OVERFLOWS.join(', '));
  return overflow;
}

/**
 * Where the kept part of a sequence of `n` items starts and how long it is, for a padded `length`;
 * an overflow under `error` is an INVALID_ARGUMENT naming `field` and the allowed length.
 */
export function keptRange(n: number, length: number, overflow: Overflow, field: string): [number, number] {
  if (n <= length) return [0, n];
  if (overflow === 'error') {
    throw invalidArgument(
      `${field}.length`,
      n,
      `at most ${length} (or an overflow policy keepFirst or keepLast)`,
    );
  }
  return overflow === 'keepFirst' ? [0, length] : [n - length, length];
}

/** Refuses an id that is not an integer >= 1 (0 is padding), naming where it is. */
export function checkId(id: number | undefined, field: string): number {
  if (!(Number.isInteger(id) && (id as number) > PAD_ID)) {
    throw invalidArgument(field, id, `an integer id >= 1 (${PAD_ID} is padding)`);
  }
  return id as number;
}

/**
 * Pads a batch of id sequences on the right with `PAD_ID` to one length, truncating by the
 * overflow policy. Pure arrays: `sequenceTensors` turns the result into tensors.
 */
export function padSequences(sequences: readonly IdSequence[], options: PadOptions = {}): PaddedSequences {
  const field = options.field ?? 'sequences';
  const overflow = checkOverflow(`${field}.overflow`, options.overflow);
  const length =
    options.length === undefined
      ? sequences.reduce((max, s) => Math.max(max, s.length), 0)
      : checkCount(`${field}.length`, options.length, 0);
  const batch = sequences.length;
  const ids = new Int32Array(batch * length);
  const lengths = new Int32Array(batch);
  const mask = new Float32Array(batch * length);
  const offsets = new Int32Array(batch);
  sequences.forEach((sequence, b) => {
    const [start, kept] = keptRange(sequence.length, length, overflow, `${field}[${b}]`);
    for (let i = 0; i < kept; i += 1) {
      ids[b * length + i] = checkId(sequence[start + i], `${field}[${b}][${start + i}]`);
      mask[b * length + i] = 1;
    }
    lengths[b] = kept;
    offsets[b] = start;
  });
  return { shape: [batch, length], ids, lengths, mask, offsets };
}
