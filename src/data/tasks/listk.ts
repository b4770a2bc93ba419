/**
 * ListK, the k-th element of a linked list (Kurach et al., 2016, task "ListK"; the NRAM task of
 * paper §4.4, Table 4).
 *
 * One example is a memory of `M` cells, each holding an integer in [0, M):
 *
 * - cell 0: the address of the head node;
 * - cell 1: `k`, 0-based (k = 0 asks for the head's value);
 * - cell 2: the output cell, 0 in the input; the model writes its answer here;
 * - from cell 3 on: `floor((M − 3) / 2)` node slots of two adjacent cells, (next pointer, value).
 *
 * A list of `n` nodes occupies `n` slots picked uniformly at random, in a random order, so the
 * model must follow the pointers. The last node's next pointer is 0 (the end). Values are uniform
 * in [0, M); unused cells are 0. The target is the value `k` hops from the head, and only cell 2
 * is scored.
 */

/** The source of random integers; `Sfc32` of `src/core` satisfies it. */
export interface RandomIntegers {
  /** A uniform integer in [0, n). */
  below(n: number): number;
}

/** Cell holding the head's address. */
export const LISTK_HEAD_CELL = 0;
/** Cell holding k. */
export const LISTK_K_CELL = 1;
/** Cell the answer is written to, the only one scored. */
export const LISTK_OUTPUT_CELL = 2;
/** First cell of the node slots. */
export const LISTK_FIRST_SLOT_CELL = 3;

/** The longest list a memory of `memorySize` cells holds: one node per two cells after cell 2. */
export function listKMaxNodes(memorySize: number): number {
  return Math.max(0, Math.floor((memorySize - LISTK_FIRST_SLOT_CELL) / 2));
}

/** A batch of ListK examples. */
export interface ListKBatch {
  readonly batchSize: number;
  readonly memorySize: number;
  /** `[batchSize, memorySize]` row-major: each example's initial memory. */
  readonly memory: Int32Array;
  /** `[batchSize]`: the value to be written to cell 2. */
  readonly targets: Int32Array;
  /** `[batchSize]`: each example's list length. */
  readonly lengths: Int32Array;
}

/**
 * One example's memory and target, written into `memory` (length `memorySize`, zeroed here),
 * with a list of `length` nodes and `k` in [0, length).
 */
export function writeListK(memory: Int32Array, length: number, k: number, random: RandomIntegers): number {
  const memorySize = memory.length;
  const slots = listKMaxNodes(memorySize);
  if (!(Number.isInteger(length) && length >= 1 && length <= slots)) {
    throw new RangeError(`ListK: length ${length} is not in [1, ${slots}] for memory size ${memorySize}`);
  }
  if (!(Number.isInteger(k) && k >= 0 && k < length)) {
    throw new RangeError(`ListK: k ${k} is not in [0, ${length - 1}]`);
  }
  memory.fill(0);
  // The first `length` entries of a random permutation of the slots: the nodes' slots in list order.
  const order = Array.from({ length: slots }, (_, i) => i);
  for (let i = 0; i < length; i += 1) {
    const j = i + random.below(slots - i);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const address = (node: number) => LISTK_FIRST_SLOT_CELL + 2 * (order[node] as number);
  let target = 0;
  for (let node = 0; node < length; node += 1) {
    const cell = address(node);
    const value = random.below(memorySize);
    memory[cell] = node + 1 < length ? address(node + 1) : 0;
    memory[cell + 1] = value;
    if (node === k) target = value;
  }
  memory[LISTK_HEAD_CELL] = address(0);
  memory[LISTK_K_CELL] = k;
  return target;
}

/**
 * A batch of `lengths.length` examples, example i with a list of `lengths[i]` nodes and `k`
 * uniform in [0, lengths[i]). Pure: the same `random` state gives the same batch.
 */
export function listKBatch(
  memorySize: number,
  lengths: readonly number[],
  random: RandomIntegers,
): ListKBatch {
  const batchSize = lengths.length;
  const memory = new Int32Array(batchSize * memorySize);
  const targets = new Int32Array(batchSize);
  for (const [i, length] of lengths.entries()) {
    const k = random.below(length);
    targets[i] = writeListK(memory.subarray(i * memorySize, (i + 1) * memorySize), length, k, random);
  }
  return { batchSize, memorySize, memory, targets, lengths: Int32Array.from(lengths) };
}

/** The value `k` hops from the head of the list in `memory`, by walking the pointers (for checks). */
export function walkListK(memory: ArrayLike<number>): number {
  let node = memory[LISTK_HEAD_CELL] as number;
  for (let hop = 0; hop < (memory[LISTK_K_CELL] as number); hop += 1) node = memory[node] as number;
  return memory[node + 1] as number;
}
