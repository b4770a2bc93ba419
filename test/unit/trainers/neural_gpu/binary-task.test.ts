import { describe, expect, it } from 'vitest';
import { keyedStream } from '../../../../src/core/index.js';
import {
  addBits,
  BinarySymbol,
  binaryBatch,
  binaryInputWidth,
  binaryTargetWidth,
  formatBinaryInput,
  multiplyBits,
} from '../../../../src/data/tasks/index.js';

/** Little-endian digits → BigInt. */
function bigOf(digits: ArrayLike<number>): bigint {
  let value = 0n;
  for (let i = digits.length - 1; i >= 0; i -= 1) value = value * 2n + BigInt(digits[i] ?? 0);
  return value;
}

function randomDigits(length: number, seed: number, index: number): Uint8Array {
  const stream = keyedStream([seed, index]);
  return Uint8Array.from({ length }, () => stream.below(2));
}

describe('binary arithmetic on digit arrays', () => {
  it('adds and multiplies like BigInt, keeping leading zeros in fixed-width results', () => {
    for (const length of [1, 2, 7, 31, 32, 33, 200]) {
      for (let trial = 0; trial < 20; trial += 1) {
        const a = randomDigits(length, length, 2 * trial);
        const b = randomDigits(length, length, 2 * trial + 1);
        const sum = addBits(a, b);
        const product = multiplyBits(a, b);
        expect(sum.length).toBe(length + 1);
        expect(product.length).toBe(2 * length);
        expect(bigOf(sum)).toBe(bigOf(a) + bigOf(b));
        expect(bigOf(product)).toBe(bigOf(a) * bigOf(b));
      }
    }
  });

  it('handles the carry chain of all-ones operands', () => {
    const ones = new Uint8Array(5).fill(1); // 31
    expect(Array.from(addBits(ones, ones))).toEqual([0, 1, 1, 1, 1, 1]); // 62
    expect(bigOf(multiplyBits(ones, ones))).toBe(961n);
  });
});

describe('binaryBatch', () => {
  it('lays out a, the operator and b least significant digit first, and the result after them', () => {
    for (const task of ['add', 'mul'] as const) {
      const length = 6;
      const batch = binaryBatch(task, length, 50, keyedStream([1, 2, 3]));
      expect(batch.inputWidth).toBe(binaryInputWidth(length));
      expect(batch.targetWidth).toBe(binaryTargetWidth(task, length));
      expect(batch.inputs.length).toBe(50 * 13);
      expect(batch.targets.length).toBe(50 * batch.targetWidth);
      for (let row = 0; row < batch.batchSize; row += 1) {
        const input = batch.inputs.subarray(row * 13, (row + 1) * 13);
        expect(input[length]).toBe(task === 'add' ? BinarySymbol.plus : BinarySymbol.times);
        const digit = (s: number | undefined) => (s === BinarySymbol.one ? 1 : 0);
        const a = Array.from(input.subarray(0, length), digit);
        const b = Array.from(input.subarray(length + 1), digit);
        const target = batch.targets.subarray(row * batch.targetWidth, (row + 1) * batch.targetWidth);
        const expected = task === 'add' ? bigOf(a) + bigOf(b) : bigOf(a) * bigOf(b);
        expect(bigOf(target)).toBe(expected);
        for (const symbol of input) expect(symbol).toBeGreaterThan(BinarySymbol.pad);
      }
    }
  });

  it('is a pure function of the random stream: same key, same batch; other key, other batch', () => {
    const a = binaryBatch('mul', 20, 16, keyedStream([7, 4, 100]));
    const b = binaryBatch('mul', 20, 16, keyedStream([7, 4, 100]));
    const c = binaryBatch('mul', 20, 16, keyedStream([7, 4, 101]));
    expect(Array.from(a.inputs)).toEqual(Array.from(b.inputs));
    expect(Array.from(a.targets)).toEqual(Array.from(b.targets));
    expect(Array.from(a.inputs)).not.toEqual(Array.from(c.inputs));
  });

  it('draws digits that look uniform (about half ones at length 40)', () => {
    const batch = binaryBatch('add', 40, 200, keyedStream([9]));
    let ones = 0;
    let digits = 0;
    for (const symbol of batch.inputs) {
      if (symbol === BinarySymbol.one) ones += 1;
      if (symbol === BinarySymbol.one || symbol === BinarySymbol.zero) digits += 1;
    }
    expect(digits).toBe(200 * 80);
    expect(ones / digits).toBeGreaterThan(0.48);
    expect(ones / digits).toBeLessThan(0.52);
  });

  it('renders inputs most significant digit first', () => {
    // 6 = 110 and 3 = 011, stored little-endian.
    const { zero, one, plus } = BinarySymbol;
    expect(formatBinaryInput([zero, one, one, plus, one, one, zero])).toBe('110+011');
  });
});
