import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyStep,
  initialState,
  mixPivots,
  type Operation,
  operationOutputs,
  operationsFor,
  type ProgramState,
  type TableTensors,
} from '../../../../src/trainers/neural_programmer/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * One table of 4 rows (the 5th is padding) and two columns:
 *   a: 5, -3, 10, 7     b: 1, 2, 3, 4
 * and the question's numbers 4 and 8 (slots 0 and 1).
 */
const A = [5, -3, 10, 7];
const B = [1, 2, 3, 4];
const NUMBERS = [4, 8];

function table(): TableTensors {
  const values = [...A.map((a, r) => [a, B[r] as number]), [0, 0]];
  const compare = (op: (v: number, n: number) => boolean) =>
    tf.tensor4d(
      [NUMBERS.map((n) => values.map((row, r) => row.map((v) => (r < 4 && op(v, n) ? 1 : 0))))],
      [1, 2, 5, 2],
    );
  return {
    values: tf.tensor3d([values]),
    rowMask: tf.tensor2d([[1, 1, 1, 1, 0]]),
    // The greater-pivot is 4 (slot 0), the lesser-pivot 8 (slot 1), selected one-hot.
    greater: mixPivots(
      compare((v, n) => v > n),
      tf.tensor2d([[1, 0]]),
    ),
    lesser: mixPivots(
      compare((v, n) => v < n),
      tf.tensor2d([[0, 1]]),
    ),
    textMatch: tf.tensor2d([[0, 1, 0, 1, 0]]),
  };
}

const ops = operationsFor(true);
const oneHot = (op: Operation) => tf.tensor2d([ops.map((o) => (o === op ? 1 : 0))]);
const column = (c: number) => tf.tensor2d([[c === 0 ? 1 : 0, c === 1 ? 1 : 0]]);

/** Runs a hard program of (operation, column) steps and returns the state after it. */
function run(program: ReadonlyArray<readonly [Operation, number]>, t = table()): ProgramState {
  let state = initialState(t);
  for (const [op, c] of program)
    state = applyStep(operationOutputs(t, column(c), state), oneHot(op), ops, state);
  return state;
}

const scalar = (s: ProgramState) => (s.scalars.at(-1) as tf.Tensor).dataSync()[0];
const rows = (s: ProgramState) => Array.from((s.rows.at(-1) as tf.Tensor).dataSync());

describe('neural_programmer operations on hard selections', () => {
  it('sums the selected column over all rows, and counts the real rows', () => {
    expect(scalar(run([['sum', 0]]))).toBe(19);
    expect(scalar(run([['sum', 1]]))).toBe(10);
    expect(scalar(run([['count', 0]]))).toBe(4);
  });

  it('selects rows greater and less than the pivots, in the selected column', () => {
    expect(rows(run([['greater', 0]]))).toEqual([1, 0, 1, 1, 0]);
    expect(rows(run([['lesser', 0]]))).toEqual([1, 1, 0, 1, 0]);
    expect(rows(run([['greater', 1]]))).toEqual([0, 0, 0, 0, 0]);
    expect(rows(run([['lesser', 1]]))).toEqual([1, 1, 1, 1, 0]);
  });

  it('sums and counts over the rows the previous step selected', () => {
    expect(
      scalar(
        run([
          ['greater', 0],
          ['sum', 0],
        ]),
      ),
    ).toBe(22);
    expect(
      scalar(
        run([
          ['greater', 0],
          ['count', 0],
        ]),
      ),
    ).toBe(3);
    expect(
      scalar(
        run([
          ['greater', 0],
          ['sum', 1],
        ]),
      ),
    ).toBe(8);
    expect(
      scalar(
        run([
          ['lesser', 0],
          ['sum', 0],
        ]),
      ),
    ).toBe(9);
  });

  it('intersects (and) and unites (or) the two previous selections', () => {
    // a > 4 and a < 8: rows 0 and 3.
    expect(
      rows(
        run([
          ['greater', 0],
          ['lesser', 0],
          ['and', 0],
        ]),
      ),
    ).toEqual([1, 0, 0, 1, 0]);
    expect(
      scalar(
        run([
          ['greater', 0],
          ['lesser', 0],
          ['and', 0],
          ['sum', 0],
        ]),
      ),
    ).toBe(12);
    // b > 4 or b < 8 selects every real row; a > 4 or b > 4 is a > 4.
    expect(
      rows(
        run([
          ['greater', 1],
          ['lesser', 1],
          ['or', 0],
        ]),
      ),
    ).toEqual([1, 1, 1, 1, 0]);
    expect(
      rows(
        run([
          ['greater', 0],
          ['greater', 1],
          ['or', 0],
        ]),
      ),
    ).toEqual([1, 0, 1, 1, 0]);
  });

  it('takes the difference of the scalars three steps back and one step back', () => {
    // sum(a) = 19, then a > 4, count = 3: 19 - 3.
    expect(
      scalar(
        run([
          ['sum', 0],
          ['greater', 0],
          ['count', 0],
          ['difference', 0],
        ]),
      ),
    ).toBe(16);
  });

  it('prints the selected column on the selected rows, and keeps the scalar meanwhile', () => {
    const state = run([
      ['sum', 1],
      ['greater', 0],
      ['print', 0],
    ]);
    expect(Array.from(state.lookup.dataSync())).toEqual([1, 0, 0, 0, 1, 0, 1, 0, 0, 0]);
    expect(scalar(state)).toBe(10);
  });

  it('resets the selection to every real row, and matches text entries', () => {
    expect(
      rows(
        run([
          ['greater', 1],
          ['reset', 0],
        ]),
      ),
    ).toEqual([1, 1, 1, 1, 0]);
    expect(rows(run([['text_match', 0]]))).toEqual([0, 1, 0, 1, 0]);
    expect(
      scalar(
        run([
          ['text_match', 0],
          ['sum', 0],
        ]),
      ),
    ).toBe(4);
  });

  it('mixes the comparison masks by soft pivot weights, so the weights get a gradient', () => {
    const masks = tf.tensor4d([[[[1]], [[0]]]]);
    const grad = tf.grad((w: tf.Tensor) => tf.sum(mixPivots(masks, w as tf.Tensor2D)))(
      tf.tensor2d([[0.3, 0.7]]),
    );
    expect(Array.from(grad.dataSync())).toEqual([1, 0]);
    expect(Array.from(mixPivots(masks, tf.tensor2d([[0.3, 0.7]])).dataSync())[0]).toBeCloseTo(0.3);
  });

  it('leaves out text_match without a text column', () => {
    expect(operationsFor(false)).not.toContain('text_match');
    expect(operationsFor(false)).toHaveLength(9);
  });
});
