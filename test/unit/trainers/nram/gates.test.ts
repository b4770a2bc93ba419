import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATES, GateSet, integerGate, readMemory, writeMemory } from '../../../../src/trainers/nram/index.js';

const M = 5;
let gates: GateSet;
beforeAll(async () => {
  await tf.setBackend('cpu');
  gates = new GateSet(M);
});
afterAll(() => gates.dispose());

const oneHot = (values: number[]): tf.Tensor2D =>
  tf.cast(tf.oneHot(tf.tensor1d(values, 'int32'), M), 'float32') as tf.Tensor2D;

/** A random-looking distribution per row (softmax of fixed logits). */
const mixed = (rows: number, seed: number): tf.Tensor2D =>
  tf.softmax(
    tf.tensor2d(
      Array.from({ length: rows * M }, (_, i) => Math.sin(seed + i * 1.7) * 3),
      [rows, M],
    ),
  );

/** Memory `[B, M, M]` holding `cells[b]` one-hot. */
const memoryOf = (cells: number[][]): tf.Tensor3D =>
  tf.cast(tf.oneHot(tf.tensor2d(cells, [cells.length, M], 'int32'), M), 'float32') as tf.Tensor3D;

describe('NRAM gates', () => {
  it('equal the integer operation mod M on every one-hot input', () => {
    const all = Array.from({ length: M * M }, (_, i) => [Math.floor(i / M), i % M] as const);
    const a = oneHot(all.map(([x]) => x));
    const b = oneHot(all.map(([, y]) => y));
    const memory = memoryOf(all.map(() => [0, 0, 0, 0, 0]));
    for (const { name, arity } of GATES) {
      if (name === 'read' || name === 'write') continue;
      const { output } = gates.apply(name, [a, b].slice(0, arity), memory);
      const got = Array.from(tf.argMax(output, 1).dataSync());
      expect(got, name).toEqual(all.map(([x, y]) => integerGate(name, M, x, y)));
      expect(Array.from(tf.max(output, 1).dataSync()), name).toEqual(all.map(() => 1));
    }
    expect(integerGate('sub', M, 1, 3)).toBe(3);
    expect(integerGate('dec', M, 0)).toBe(4);
    expect(integerGate('less_or_equal', M, 2, 2)).toBe(1);
  });

  it('output distributions on mixed inputs', () => {
    const memory = tf.stack([tf.softmax(tf.randomNormal([M, M], 0, 1, 'float32', 3))]) as tf.Tensor3D;
    for (const { name, arity } of GATES) {
      const inputs = [mixed(1, 1), mixed(1, 2)].slice(0, arity);
      const { output, memory: after } = gates.apply(name, inputs, memory);
      expect(tf.sum(output).dataSync()[0], name).toBeCloseTo(1, 5);
      expect(tf.min(output).dataSync()[0], name).toBeGreaterThanOrEqual(0);
      for (const total of tf.sum(after, 2).dataSync()) expect(total, name).toBeCloseTo(1, 5);
    }
  });

  it('READ at a one-hot address returns that cell', () => {
    const memory = memoryOf([[4, 3, 2, 1, 0]]);
    for (let address = 0; address < M; address += 1) {
      const value = readMemory(memory, oneHot([address]));
      expect(Array.from(tf.argMax(value, 1).dataSync())).toEqual([4 - address]);
      expect(tf.max(value).dataSync()[0]).toBe(1);
    }
  });

  it('WRITE at a one-hot address replaces that cell only, and READ there returns it', () => {
    const memory = memoryOf([[4, 3, 2, 1, 0]]);
    const after = writeMemory(memory, oneHot([2]), oneHot([1]));
    expect(Array.from(tf.argMax(after, 2).dataSync())).toEqual([4, 3, 1, 1, 0]);
    expect(Array.from(readMemory(after, oneHot([2])).dataSync())).toEqual([0, 1, 0, 0, 0]);
    const { output } = gates.apply('write', [oneHot([2]), oneHot([1])], memory);
    expect(Array.from(output.dataSync())).toEqual([1, 0, 0, 0, 0]);
  });

  it('WRITE at a fuzzy address erases in proportion: (1 − p) keeps, p writes', () => {
    const memory = memoryOf([[0, 0, 0, 0, 0]]);
    const address = tf.tensor2d([[0, 0.25, 0.75, 0, 0]]);
    const after = writeMemory(memory, address, oneHot([3]));
    const cell = (i: number) => Array.from(tf.slice(after, [0, i, 0], [1, 1, M]).dataSync());
    expect(cell(1)).toEqual([0.75, 0, 0, 0.25, 0]);
    expect(cell(2)).toEqual([0.25, 0, 0, 0.75, 0]);
    expect(cell(0)).toEqual([1, 0, 0, 0, 0]);
  });
});
