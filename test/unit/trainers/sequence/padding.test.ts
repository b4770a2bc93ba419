import { describe, expect, it } from 'vitest';
import {
  PAD_ID,
  padSequences,
  padStories,
  recencyIndices,
} from '../../../../src/trainers/shared/sequence/index.js';

const f32 = (values: number[]) => Float32Array.from(values);
const i32 = (values: number[]) => Int32Array.from(values);

describe('padSequences', () => {
  it('pads on the right to the longest sequence, with lengths and masks', () => {
    const padded = padSequences([[5, 6, 7], [8], []]);
    expect(padded.shape).toEqual([3, 3]);
    expect(padded.ids).toEqual(i32([5, 6, 7, 8, PAD_ID, PAD_ID, PAD_ID, PAD_ID, PAD_ID]));
    expect(padded.lengths).toEqual(i32([3, 1, 0]));
    expect(padded.mask).toEqual(f32([1, 1, 1, 1, 0, 0, 0, 0, 0]));
    expect(padded.offsets).toEqual(i32([0, 0, 0]));
  });

  it('pads to a fixed length and truncates only by the policy asked for', () => {
    const seqs = [
      [1, 2, 3, 4, 5],
      [6, 7],
    ];
    expect(padSequences(seqs, { length: 6 }).shape).toEqual([2, 6]);
    expect(() => padSequences(seqs, { length: 3, field: 'questions' })).toThrow(
      /questions\[0\]\.length: got 5; allowed: at most 3 \(or an overflow policy keepFirst or keepLast\)/,
    );
    const first = padSequences(seqs, { length: 3, overflow: 'keepFirst' });
    expect(first.ids).toEqual(i32([1, 2, 3, 6, 7, 0]));
    const last = padSequences(seqs, { length: 3, overflow: 'keepLast' });
    expect(last.ids).toEqual(i32([3, 4, 5, 6, 7, 0]));
    expect(last.lengths).toEqual(i32([3, 2]));
    expect(last.offsets).toEqual(i32([2, 0]));
    expect(last.mask).toEqual(f32([1, 1, 1, 1, 1, 0]));
  });

  it('refuses padding ids inside a sequence, bad ids and bad options by name', () => {
    expect(() => padSequences([[3, 0, 2]])).toThrow(
      /sequences\[0\]\[1\]: got 0; allowed: an integer id >= 1 \(0 is padding\)/,
    );
    expect(() => padSequences([[1.5]])).toThrow(/sequences\[0\]\[0\]: got 1.5/);
    expect(() => padSequences([[1]], { length: -1 })).toThrow(
      /sequences\.length: got -1; allowed: an integer >= 0/,
    );
    expect(() => padSequences([[1]], { overflow: 'drop' as 'error' })).toThrow(
      /sequences\.overflow: got "drop"; allowed: error, keepFirst, keepLast/,
    );
  });
});

describe('padStories', () => {
  const stories = [[[1, 2, 3], [4, 5], [6], [7, 8, 9, 10]], [[11, 12]]];

  it('pads both levels, oldest sentence first, with counts and masks at each level', () => {
    const padded = padStories(stories);
    expect(padded.shape).toEqual([2, 4, 4]);
    expect(padded.sentenceCounts).toEqual(i32([4, 1]));
    expect(padded.wordCounts).toEqual(i32([3, 2, 1, 4, 2, 0, 0, 0]));
    expect(padded.sentenceMask).toEqual(f32([1, 1, 1, 1, 1, 0, 0, 0]));
    expect(Array.from(padded.ids.subarray(0, 8))).toEqual([1, 2, 3, 0, 4, 5, 0, 0]);
    expect(Array.from(padded.ids.subarray(16, 24))).toEqual([11, 12, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(padded.wordMask.subarray(0, 8))).toEqual([1, 1, 1, 0, 1, 1, 0, 0]);
    expect(padded.wordMask.reduce((a, b) => a + b, 0)).toBe(12);
  });

  it('keeps the most recent sentences when the memory is full, and says where slot 0 starts', () => {
    const padded = padStories(stories, { sentences: 2, words: 4, sentenceOverflow: 'keepLast' });
    expect(padded.shape).toEqual([2, 2, 4]);
    expect(Array.from(padded.ids.subarray(0, 8))).toEqual([6, 0, 0, 0, 7, 8, 9, 10]);
    expect(padded.sentenceCounts).toEqual(i32([2, 1]));
    expect(padded.offsets).toEqual(i32([2, 0])); // story 0's sentence 3 is in slot 3 − 2 = 1
    expect(recencyIndices(padded)).toEqual(i32([2, 1, 1, 0]));
    // Without keepLast the default refuses to drop anything.
    expect(() => padStories(stories, { sentences: 2 })).toThrow(
      /stories\[0\]\.length: got 4; allowed: at most 2/,
    );
  });

  it('sizes the words to the kept sentences only, and truncates words by their own policy', () => {
    const kept = padStories(stories, { sentences: 2, sentenceOverflow: 'keepFirst' });
    expect(kept.shape).toEqual([2, 2, 3]); // sentence [7, 8, 9, 10] was dropped
    expect(() => padStories(stories, { words: 3 })).toThrow(
      /stories\[0\]\[3\]\.length: got 4; allowed: at most 3/,
    );
    const cut = padStories(stories, { words: 2, wordOverflow: 'keepFirst' });
    expect(Array.from(cut.ids.subarray(6, 8))).toEqual([7, 8]);
    expect(() => padStories([[[1, 0]]])).toThrow(/stories\[0\]\[0\]\[1\]: got 0/);
  });

  it('gives recency 1 to the newest sentence of each story and 0 to empty slots', () => {
    expect(recencyIndices(padStories(stories))).toEqual(i32([4, 3, 2, 1, 1, 0, 0, 0]));
  });
});
