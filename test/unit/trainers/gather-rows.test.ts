import { describe, expect, it } from 'vitest';
import type { LabeledSet } from '../../../src/data/index.js';
import { gatherRows } from '../../../src/trainers/shared/batching.js';

/** Five samples of three features (sample i's features are 10i, 10i + 1, 10i + 2), four classes. */
const SET: LabeledSet = {
  inputs: Float32Array.from({ length: 15 }, (_, k) => 10 * Math.floor(k / 3) + (k % 3)),
  labels: Uint8Array.of(0, 3, 1, 2, 3),
  count: 5,
  features: 3,
};

describe('gatherRows', () => {
  it('copies the rows and one-hot labels into fresh arrays', () => {
    const batch = gatherRows(SET, [4, 1], 4);
    expect([...batch.inputs]).toEqual([40, 41, 42, 10, 11, 12]);
    expect([...batch.oneHot]).toEqual([0, 0, 0, 1, 0, 0, 0, 1]);
    expect(batch.count).toBe(2);
  });

  it('refills a given batch in place, short batches included, leaving no label of the step before', () => {
    const into = gatherRows(SET, [0, 2, 3], 4);
    const full = gatherRows(SET, [3, 1, 0], 4, into);
    expect(full.inputs.buffer).toBe(into.inputs.buffer);
    expect([...full.oneHot]).toEqual([...gatherRows(SET, [3, 1, 0], 4).oneHot]);
    const short = gatherRows(SET, [2], 4, into);
    expect(short.count).toBe(1);
    expect([...short.inputs]).toEqual([20, 21, 22]);
    expect([...short.oneHot]).toEqual([0, 1, 0, 0]);
  });
});
