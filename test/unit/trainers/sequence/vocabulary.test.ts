import { describe, expect, it } from 'vitest';
import {
  PAD_ID,
  PAD_TOKEN,
  UNKNOWN_ID,
  UNKNOWN_TOKEN,
  Vocabulary,
} from '../../../../src/trainers/shared/sequence/index.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return null;
}

const stories = [
  ['mary', 'moved', 'to', 'the', 'bathroom'],
  ['john', 'went', 'to', 'the', 'hallway'],
  ['where', 'is', 'mary'],
];

describe('Vocabulary', () => {
  it('gives ids in sorted order after the reserved ones, whatever the order of the streams', () => {
    const vocab = Vocabulary.build(stories);
    expect(vocab.tokens).toEqual([
      'bathroom',
      'hallway',
      'is',
      'john',
      'mary',
      'moved',
      'the',
      'to',
      'went',
      'where',
    ]);
    expect(vocab.size).toBe(12);
    expect(vocab.id('bathroom')).toBe(2);
    expect(vocab.id('where')).toBe(11);
    const shuffled = Vocabulary.build([...stories].reverse().map((s) => [...s].reverse()));
    expect(shuffled.toJSON()).toEqual(vocab.toJSON());
    // Code-unit order, not the locale's: capitals sort before lower case, the same on every machine.
    expect(Vocabulary.build([['b', 'B', 'a', 'é']]).tokens).toEqual(['B', 'a', 'b', 'é']);
  });

  it('encodes and decodes, the reserved ids included', () => {
    const vocab = Vocabulary.build(stories);
    const ids = vocab.encode(['where', 'is', 'john']);
    expect(ids).toEqual(Int32Array.from([11, 4, 5]));
    expect(vocab.decode(ids)).toEqual(['where', 'is', 'john']);
    expect(vocab.decode([PAD_ID, UNKNOWN_ID])).toEqual([PAD_TOKEN, UNKNOWN_TOKEN]);
    expect(() => vocab.decode([12])).toThrow(/id: got 12; allowed: an integer in \[0, 11\]/);
    expect(() => vocab.decode([2.5])).toThrow(/id: got 2.5/);
  });

  it('refuses an unknown token by name, or maps it to UNKNOWN_ID when allowed', () => {
    const strict = Vocabulary.build(stories, { field: 'answers' });
    expect(() => strict.encode(['where', 'is', 'sandra'])).toThrow(
      /^answers: got "sandra"; allowed: a token of the vocabulary \(10 tokens: "bathroom", "hallway",/,
    );
    expect(thrown(() => strict.id('sandra'))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(strict.has('sandra')).toBe(false);
    const lenient = Vocabulary.build(stories, { unknown: 'map' });
    expect(lenient.encode(['where', 'is', 'sandra'])).toEqual(Int32Array.from([11, 4, UNKNOWN_ID]));
  });

  it('refuses empty and reserved tokens where they stand', () => {
    expect(() => Vocabulary.build([['a'], ['b', '']])).toThrow(
      /tokens\[1\]\[1\]: got ""; allowed: a non-empty string/,
    );
    expect(() => Vocabulary.build([[PAD_TOKEN]], { field: 'questions' })).toThrow(
      /questions\[0\]\[0\]: got "<pad>"; allowed: any token but the reserved <pad> and <unk>/,
    );
  });

  it('round-trips through JSON, as a checkpoint stores it', () => {
    const vocab = Vocabulary.build(stories, { unknown: 'map' });
    const stored = JSON.parse(JSON.stringify({ meta: { vocabulary: vocab } }));
    const restored = Vocabulary.fromJSON(stored.meta.vocabulary);
    expect(restored.toJSON()).toEqual(vocab.toJSON());
    expect(restored.unknown).toBe('map');
    for (const token of vocab.tokens) expect(restored.id(token)).toBe(vocab.id(token));
    // Ids come from the stored list, not from sorting again.
    expect(Vocabulary.fromJSON({ format: 1, tokens: ['z', 'a'], unknown: 'error' }).id('z')).toBe(2);
  });

  it('refuses a malformed stored vocabulary with FAILED_PRECONDITION', () => {
    const bad = (value: unknown) => () => Vocabulary.fromJSON(value);
    expect(bad(null)).toThrow(/vocabulary in checkpoint: not an object/);
    expect(bad({ format: 2, tokens: [], unknown: 'error' })).toThrow(/unknown format 2; expected 1/);
    expect(bad({ format: 1, tokens: [], unknown: 'skip' })).toThrow(/unknown policy "skip"/);
    expect(bad({ format: 1, tokens: 'ab', unknown: 'error' })).toThrow(/tokens is not an array/);
    expect(bad({ format: 1, tokens: ['a', 'a'], unknown: 'error' })).toThrow(/tokens\[1\] "a" appears twice/);
    expect(bad({ format: 1, tokens: ['a', UNKNOWN_TOKEN], unknown: 'error' })).toThrow(
      /tokens\[1\] is "<unk>"/,
    );
    expect(thrown(bad({}))).toMatchObject({ code: 'FAILED_PRECONDITION' });
  });
});
