import type { Sfc32 } from '../../core/index.js';
import { type BabiQuestion, type BabiSplit, memoryOf } from '../../data/babi/index.js';
import {
  type IdSequence,
  padSequences,
  padStories,
  recencyIndices,
  type Story,
  Vocabulary,
} from '../shared/sequence/index.js';

/** A question as ids: its memory (the last `memorySize` statements), the query and the answer class. */
export interface EncodedQuestion {
  readonly story: Story;
  readonly query: IdSequence;
  readonly answer: number;
}

/** A task as ids over one vocabulary, with the padded sentence length J shared by all batches. */
export interface EncodedTask {
  readonly vocabulary: Vocabulary;
  /** Words per sentence J: the longest statement or question of any split. */
  readonly sentenceLength: number;
  readonly train: readonly EncodedQuestion[];
  readonly validation: readonly EncodedQuestion[];
  readonly test: readonly EncodedQuestion[];
}

/**
 * Encodes a task. The vocabulary holds every word and answer of all three splits (the original
 * code builds its dictionary over training and test files alike), so the answer softmax runs
 * over the whole vocabulary, as in the paper.
 */
export function encodeTask(split: BabiSplit, memorySize: number): EncodedTask {
  const all = [...split.train, ...split.validation, ...split.test];
  const vocabulary = Vocabulary.build(
    all.flatMap((q) => [...q.facts.map((f) => f.words), q.question, [q.answer]]),
    { field: 'babi' },
  );
  let sentenceLength = 1;
  for (const q of all) {
    sentenceLength = Math.max(sentenceLength, q.question.length);
    for (const fact of memoryOf(q, memorySize)) sentenceLength = Math.max(sentenceLength, fact.words.length);
  }
  const encode = (q: BabiQuestion): EncodedQuestion => ({
    story: memoryOf(q, memorySize).map((fact) => vocabulary.encode(fact.words)),
    query: vocabulary.encode(q.question),
    answer: vocabulary.id(q.answer),
  });
  return {
    vocabulary,
    sentenceLength,
    train: split.train.map(encode),
    validation: split.validation.map(encode),
    test: split.test.map(encode),
  };
}

/** A batch laid out for the model (shapes in the field docs; row-major). */
export interface MemoryBatch {
  readonly size: number;
  /**
   * Memory slots of this batch: its longest story, at most `memorySize`. Empty slots are masked out
   * of attention and add nothing, so padding to the batch's longest story rather than to
   * `memorySize` changes no result and saves the work on slots no story fills.
   */
  readonly slots: number;
  /** `[size, slots, J]` word ids, oldest kept statement in slot 0, `PAD_ID` elsewhere. */
  readonly story: Int32Array;
  /** `[size, slots]`: 1 where a slot holds a statement. */
  readonly sentenceMask: Float32Array;
  /** `[size, slots]`: time index of each slot, 1 for the newest statement, 0 for empty slots. */
  readonly time: Int32Array;
  /** `[size, J]` query word ids. */
  readonly query: Int32Array;
  /** `[size]` answer ids. */
  readonly answers: Int32Array;
}

/**
 * Pads `questions` into one batch. With `randomTime` > 0 and a generator (training only), the time
 * indices get random noise in time (Sukhbaatar et al. 2015, §4.1 "Learning time invariance by
 * injecting random noise"): for a story of n statements, up to ceil(n · randomTime) empty slots
 * are inserted among them, i.e. the n statements take n distinct indices drawn from
 * 1..n + blanks (at most `memorySize`), still increasing from the newest to the oldest.
 */
export function memoryBatch(
  questions: readonly EncodedQuestion[],
  memorySize: number,
  sentenceLength: number,
  randomTime = 0,
  rng?: Sfc32,
): MemoryBatch {
  const slots = Math.max(1, Math.min(memorySize, Math.max(...questions.map((q) => q.story.length))));
  const padded = padStories(
    questions.map((q) => q.story),
    { sentences: slots, words: sentenceLength, sentenceOverflow: 'keepLast', field: 'story' },
  );
  const time = recencyIndices(padded);
  if (randomTime > 0 && rng !== undefined) {
    questions.forEach((_, b) => {
      const n = padded.sentenceCounts[b] as number;
      const blanks = rng.below(Math.ceil(n * randomTime) + 1);
      const range = Math.min(n + blanks, memorySize);
      const chosen = rng.permutation(range).subarray(0, n).sort();
      // Slot n − 1 holds the newest statement: it gets the smallest index.
      for (let slot = 0; slot < n; slot += 1) time[b * slots + slot] = (chosen[n - 1 - slot] as number) + 1;
    });
  }
  const query = padSequences(
    questions.map((q) => q.query),
    { length: sentenceLength, field: 'query' },
  );
  return {
    size: questions.length,
    slots,
    story: padded.ids,
    sentenceMask: padded.sentenceMask,
    time,
    query: query.ids,
    answers: Int32Array.from(questions, (q) => q.answer),
  };
}
