/**
 * Binary addition and multiplication, the algorithmic tasks of the Neural GPU (Kaiser & Sutskever,
 * 2016) used in paper §4.5 (Table 5: trained on 20-digit numbers, tested on 200-digit numbers).
 *
 * Layout of one example with operand length `L` (digits per operand):
 *
 * - input, width `2L + 1`: the digits of `a`, the operator token, the digits of `b`;
 * - target, width `L + 1` (addition) or `2L` (multiplication): the digits of the result.
 *
 * Every number is written least significant digit first, as in the public Neural GPU code, so a
 * carry travels in the direction of increasing position. Operands are uniform over all `L`-digit
 * strings (leading zeros allowed) and the result keeps its leading zeros, so every example of a
 * length has the same target width and a sequence is correct only if every result digit is.
 * The target is shorter than the input; a model with one output per input position reads the
 * first `targetWidth` positions and ignores the rest (the padding of the target).
 */

/** Which arithmetic the task asks for. */
export type BinaryTask = 'add' | 'mul';

/** Input symbols. 0 is reserved for padding, so a zero embedding can mean "nothing here". */
export const BinarySymbol = {
  pad: 0,
  zero: 1,
  one: 2,
  plus: 3,
  times: 4,
} as const;

/** Number of distinct input symbols (the embedding table's rows). */
export const BINARY_INPUT_SYMBOLS = 5;

/** Number of output classes: the digits 0 and 1. */
export const BINARY_OUTPUT_CLASSES = 2;

/**
 * The source of random bits. `Sfc32` of `src/core` satisfies it; the caller keys it by
 * `(seed, step)` so a batch can be regenerated from scratch after a resume.
 */
export interface RandomWords {
  /** A uniform integer in [0, 2^32). */
  uint32(): number;
}

/** A batch of examples that all share one operand length. */
export interface BinaryBatch {
  readonly task: BinaryTask;
  /** Digits per operand. */
  readonly length: number;
  readonly batchSize: number;
  /** `2 * length + 1`. */
  readonly inputWidth: number;
  /** `length + 1` for addition, `2 * length` for multiplication. */
  readonly targetWidth: number;
  /** Row-major `[batchSize, inputWidth]` input symbols (see {@link BinarySymbol}). */
  readonly inputs: Int32Array;
  /** Row-major `[batchSize, targetWidth]` result digits, 0 or 1, least significant first. */
  readonly targets: Int32Array;
}

/** Width of the input for operands of `length` digits. */
export function binaryInputWidth(length: number): number {
  return 2 * length + 1;
}

/** Width of the result for operands of `length` digits. */
export function binaryTargetWidth(task: BinaryTask, length: number): number {
  return task === 'add' ? length + 1 : 2 * length;
}

/** `a + b` of two little-endian digit arrays of equal length; the result has `length + 1` digits. */
export function addBits(a: ArrayLike<number>, b: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(a.length + 1);
  let carry = 0;
  for (let i = 0; i < a.length; i += 1) {
    const sum = (a[i] ?? 0) + (b[i] ?? 0) + carry;
    out[i] = sum & 1;
    carry = sum >> 1;
  }
  out[a.length] = carry;
  return out;
}

/** `a * b` of two little-endian digit arrays of equal length; the result has `2 * length` digits. */
export function multiplyBits(a: ArrayLike<number>, b: ArrayLike<number>): Uint8Array {
  const n = a.length;
  // Column sums first, carries once at the end: O(n²) additions with no big integers.
  const columns = new Float64Array(2 * n);
  for (let i = 0; i < n; i += 1) {
    if (a[i] !== 1) continue;
    for (let j = 0; j < n; j += 1) columns[i + j] = (columns[i + j] ?? 0) + (b[j] ?? 0);
  }
  const out = new Uint8Array(2 * n);
  let carry = 0;
  for (let k = 0; k < 2 * n; k += 1) {
    const total = (columns[k] ?? 0) + carry;
    out[k] = total % 2;
    carry = Math.floor(total / 2);
  }
  return out;
}

/**
 * Draws `batchSize` examples of operand length `length` from `random`. The same `random` state
 * gives the same batch: operand digits are drawn 32 at a time, `a` before `b`, example by example.
 */
export function binaryBatch(
  task: BinaryTask,
  length: number,
  batchSize: number,
  random: RandomWords,
): BinaryBatch {
  const inputWidth = binaryInputWidth(length);
  const targetWidth = binaryTargetWidth(task, length);
  const inputs = new Int32Array(batchSize * inputWidth);
  const targets = new Int32Array(batchSize * targetWidth);
  const a = new Uint8Array(length);
  const b = new Uint8Array(length);
  const operator = task === 'add' ? BinarySymbol.plus : BinarySymbol.times;
  for (let example = 0; example < batchSize; example += 1) {
    fillBits(a, random);
    fillBits(b, random);
    const result = task === 'add' ? addBits(a, b) : multiplyBits(a, b);
    const inputRow = example * inputWidth;
    for (let i = 0; i < length; i += 1) {
      inputs[inputRow + i] = (a[i] ?? 0) === 1 ? BinarySymbol.one : BinarySymbol.zero;
      inputs[inputRow + length + 1 + i] = (b[i] ?? 0) === 1 ? BinarySymbol.one : BinarySymbol.zero;
    }
    inputs[inputRow + length] = operator;
    targets.set(result, example * targetWidth);
  }
  return { task, length, batchSize, inputWidth, targetWidth, inputs, targets };
}

function fillBits(out: Uint8Array, random: RandomWords): void {
  let word = 0;
  for (let i = 0; i < out.length; i += 1) {
    if (i % 32 === 0) word = random.uint32();
    out[i] = (word >>> (i % 32)) & 1;
  }
}

/** Renders an input row as text, most significant digit first, e.g. `101+011`, for logs and tests. */
export function formatBinaryInput(symbols: ArrayLike<number>): string {
  const text: string[] = [];
  for (let i = 0; i < symbols.length; i += 1) {
    const symbol = symbols[i];
    text.push(
      symbol === BinarySymbol.zero
        ? '0'
        : symbol === BinarySymbol.one
          ? '1'
          : symbol === BinarySymbol.plus
            ? '+'
            : symbol === BinarySymbol.times
              ? '*'
              : '_',
    );
  }
  // Each operand is stored least significant digit first; print each most significant first.
  return text
    .join('')
    .split(/([+*])/)
    .map((part) => (part === '+' || part === '*' ? part : [...part].reverse().join('')))
    .join('');
}
