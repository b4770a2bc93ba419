import { describe, expect, it } from 'vitest';
import { runStreams, Stream } from '../../../src/core/index.js';
import {
  LISTK_FIRST_SLOT_CELL,
  LISTK_HEAD_CELL,
  LISTK_K_CELL,
  LISTK_OUTPUT_CELL,
  listKBatch,
  listKMaxNodes,
  walkListK,
  writeListK,
} from '../../../src/data/tasks/index.js';

const random = (index: number) => runStreams(7, 2).stream(Stream.syntheticData, index);

/** The node addresses from the head, following pointers until the 0 that ends the list. */
function nodes(memory: ArrayLike<number>): number[] {
  const seen: number[] = [];
  let node = memory[LISTK_HEAD_CELL] as number;
  while (node !== 0) {
    if (seen.includes(node)) throw new Error(`cycle at ${node}`);
    seen.push(node);
    node = memory[node] as number;
  }
  return seen;
}

describe('ListK', () => {
  it('fits ⌊(M − 3)/2⌋ nodes after the three fixed cells', () => {
    expect(listKMaxNodes(8)).toBe(2);
    expect(listKMaxNodes(12)).toBe(4);
    expect(listKMaxNodes(5)).toBe(1);
  });

  it('writes a valid linked list of the asked length whose k-th value is the target', () => {
    for (let trial = 0; trial < 200; trial += 1) {
      const memorySize = 5 + (trial % 14);
      const slots = listKMaxNodes(memorySize);
      const length = 1 + (trial % slots);
      const k = trial % length;
      const memory = new Int32Array(memorySize);
      const target = writeListK(memory, length, k, random(trial));
      const list = nodes(memory);
      expect(list).toHaveLength(length);
      for (const address of list) {
        // Every node sits on a slot of two cells after the fixed ones, inside memory.
        expect((address - LISTK_FIRST_SLOT_CELL) % 2).toBe(0);
        expect(address + 1).toBeLessThan(memorySize);
      }
      expect(memory[LISTK_K_CELL]).toBe(k);
      expect(memory[LISTK_OUTPUT_CELL]).toBe(0);
      expect(target).toBe(memory[(list[k] as number) + 1]);
      expect(walkListK(memory)).toBe(target);
      for (const value of memory) expect(value >= 0 && value < memorySize).toBe(true);
    }
  });

  it('places lists at random slots and draws k below each length', () => {
    const batch = listKBatch(12, new Array<number>(400).fill(3), random(1));
    const heads = new Set<number>();
    const ks = new Set<number>();
    for (let i = 0; i < batch.batchSize; i += 1) {
      const memory = batch.memory.subarray(i * 12, (i + 1) * 12);
      heads.add(memory[LISTK_HEAD_CELL] as number);
      ks.add(memory[LISTK_K_CELL] as number);
      expect(walkListK(memory)).toBe(batch.targets[i]);
    }
    expect([...heads].sort((a, b) => a - b)).toEqual([3, 5, 7, 9]);
    expect([...ks].sort()).toEqual([0, 1, 2]);
  });

  it('is a pure function of its random stream', () => {
    const a = listKBatch(16, [1, 2, 3, 6, 4], random(3));
    const b = listKBatch(16, [1, 2, 3, 6, 4], random(3));
    const c = listKBatch(16, [1, 2, 3, 6, 4], random(4));
    expect(b).toEqual(a);
    expect(c.memory).not.toEqual(a.memory);
  });

  it('refuses lengths the memory cannot hold and k outside the list', () => {
    expect(() => writeListK(new Int32Array(8), 3, 0, random(0))).toThrow(/length 3 is not in \[1, 2\]/);
    expect(() => writeListK(new Int32Array(8), 2, 2, random(0))).toThrow(/k 2 is not in \[0, 1\]/);
  });
});
