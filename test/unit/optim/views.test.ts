import { describe, expect, it } from 'vitest';
import { sharedViews, sharesMemory } from '../../../src/optim/views.js';

describe('shared memory of typed-array views', () => {
  it('flags exactly the views that share a byte with another one', () => {
    const a = new Float32Array(100);
    const other = new Float32Array(10);
    const views = [
      a.subarray(0, 10), // 0: touches 1 only at the boundary: not shared
      a.subarray(10, 20), // 1: overlaps 2
      a.subarray(15, 16), // 2
      null, // 3
      other, // 4: another buffer
      a.subarray(50, 60), // 5: listed twice (6)
      a.subarray(50, 60), // 6
      new Float32Array(a.buffer, 4 * 90, 10), // 7: alone
    ];
    expect(sharedViews(views)).toEqual([false, true, true, false, false, true, true, false]);
    // The same answer as the pairwise check.
    const pairwise = views.map(
      (v, i) => v !== null && views.some((w, j) => j !== i && w !== null && sharesMemory(v, w)),
    );
    expect(sharedViews(views)).toEqual(pairwise);
    expect(sharedViews([])).toEqual([]);
  });
});
