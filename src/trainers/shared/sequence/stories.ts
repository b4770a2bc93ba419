import { checkCount, checkId, checkOverflow, type IdSequence, keptRange, type Overflow } from './padding.js';

/** A story: its sentences in the order told, each a sequence of token ids (>= 1). */
export type Story = readonly IdSequence[];

export interface StoryPadOptions {
  /** Memory slots: the padded sentence count. Default: the most sentences of any story. */
  readonly sentences?: number;
  /** The padded word count per sentence. Default: the longest sentence of the batch. */
  readonly words?: number;
  /**
   * For a story with more sentences than slots. Default `error`; a memory network passes
   * `keepLast`, which keeps the most recent sentences: MemN2N's memory of the last 50 sentences
   * (Sukhbaatar et al. 2015, "Training Details"), whose settings the paper keeps (§4.2).
   */
  readonly sentenceOverflow?: Overflow;
  /** For a sentence with more words than `words`. Default `error`. */
  readonly wordOverflow?: Overflow;
  /** Name of the batch in error messages. Default `stories`. */
  readonly field?: string;
}

/**
 * A batch of stories padded to a dense row-major `[batch, sentences, words]` layout. Kept sentences
 * fill slots 0, 1, … in the order told (oldest first); empty slots follow.
 */
export interface PaddedStories {
  readonly shape: readonly [batch: number, sentences: number, words: number];
  /** The ids, `PAD_ID` in padded words and empty slots. */
  readonly ids: Int32Array;
  /** `[batch]`: sentences kept per story. */
  readonly sentenceCounts: Int32Array;
  /** `[batch, sentences]`: words kept per slot, 0 for an empty slot. */
  readonly wordCounts: Int32Array;
  /** `[batch, sentences]`: 1 for a slot holding a sentence, 0 for an empty one (mask attention). */
  readonly sentenceMask: Float32Array;
  /** `[batch, sentences, words]`: 1 for a real word, 0 for padding (mask a bag of words). */
  readonly wordMask: Float32Array;
  /**
   * `[batch]`: index in the story of the sentence in slot 0, so sentence `i` of the story (e.g. a
   * supporting fact) sits in slot `i − offset`, and was dropped if that is negative.
   */
  readonly offsets: Int32Array;
}

/**
 * Pads a batch of stories at both levels (sentences per story, words per sentence) with `PAD_ID`,
 * truncating each level by its overflow policy.
 */
export function padStories(stories: readonly Story[], options: StoryPadOptions = {}): PaddedStories {
  const field = options.field ?? 'stories';
  const sentenceOverflow = checkOverflow(`${field}.sentenceOverflow`, options.sentenceOverflow);
  const wordOverflow = checkOverflow(`${field}.wordOverflow`, options.wordOverflow);
  const slots =
    options.sentences === undefined
      ? stories.reduce((max, story) => Math.max(max, story.length), 0)
      : checkCount(`${field}.sentences`, options.sentences, 0);
  const ranges = stories.map((story, b) =>
    keptRange(story.length, slots, sentenceOverflow, `${field}[${b}]`),
  );
  const words =
    options.words === undefined
      ? stories.reduce((max, story, b) => {
          const [start, kept] = ranges[b] as [number, number];
          for (let s = start; s < start + kept; s += 1) max = Math.max(max, story[s]?.length ?? 0);
          return max;
        }, 0)
      : checkCount(`${field}.words`, options.words, 0);

  const batch = stories.length;
  const ids = new Int32Array(batch * slots * words);
  const wordMask = new Float32Array(batch * slots * words);
  const wordCounts = new Int32Array(batch * slots);
  const sentenceMask = new Float32Array(batch * slots);
  const sentenceCounts = new Int32Array(batch);
  const offsets = new Int32Array(batch);
  stories.forEach((story, b) => {
    const [start, kept] = ranges[b] as [number, number];
    for (let slot = 0; slot < kept; slot += 1) {
      const index = start + slot;
      const sentence = story[index] as IdSequence;
      const where = `${field}[${b}][${index}]`;
      const [first, count] = keptRange(sentence.length, words, wordOverflow, where);
      const row = (b * slots + slot) * words;
      for (let w = 0; w < count; w += 1) {
        ids[row + w] = checkId(sentence[first + w], `${where}[${first + w}]`);
        wordMask[row + w] = 1;
      }
      wordCounts[b * slots + slot] = count;
      sentenceMask[b * slots + slot] = 1;
    }
    sentenceCounts[b] = kept;
    offsets[b] = start;
  });
  return { shape: [batch, slots, words], ids, sentenceCounts, wordCounts, sentenceMask, wordMask, offsets };
}

/**
 * `[batch, sentences]` recency indices for temporal encoding (Sukhbaatar et al. 2015, "Temporal Encoding"): the
 * newest kept sentence of each story gets 1, the one before it 2, and so on; empty slots get 0, so
 * row 0 of a time embedding can stay a zeroed nil row, as for `PAD_ID`.
 */
export function recencyIndices(stories: PaddedStories): Int32Array {
  const [batch, slots] = stories.shape;
  const out = new Int32Array(batch * slots);
  for (let b = 0; b < batch; b += 1) {
    const count = stories.sentenceCounts[b] as number;
    for (let slot = 0; slot < count; slot += 1) out[b * slots + slot] = count - slot;
  }
  return out;
}
