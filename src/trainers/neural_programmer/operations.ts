import * as tf from '@tensorflow/tfjs';

/**
 * The built-in operations of the Neural Programmer (Neelakantan et al. 2016, §2.3; paper §4.3).
 * `text_match` exists only in the text-entries variant (see {@link operationsFor}).
 */
export const OPERATIONS = [
  'sum',
  'count',
  'difference',
  'greater',
  'lesser',
  'and',
  'or',
  'print',
  'reset',
  'text_match',
] as const;

export type Operation = (typeof OPERATIONS)[number];

/** The operations a model selects from: all, less `text_match` without a text column. */
export function operationsFor(textColumn: boolean): readonly Operation[] {
  return textColumn ? OPERATIONS : OPERATIONS.filter((op) => op !== 'text_match');
}

/** What scalar-producing operations write; the others carry the previous scalar answer. */
const SCALAR_OPS: ReadonlySet<Operation> = new Set(['sum', 'count', 'difference']);

/** The table as tensors, fixed for a whole program. */
export interface TableTensors {
  /** `[B, R, C]` cell values, 0 in text columns and padded rows. */
  readonly values: tf.Tensor3D;
  /** `[B, R]` 1 on real rows: the selection `reset` restores and programs start from. */
  readonly rowMask: tf.Tensor2D;
  /** `[B, R, C]` 1 where a cell is greater than the greater-pivot (already mixed, see {@link mixPivots}). */
  readonly greater: tf.Tensor3D;
  /** `[B, R, C]` 1 where a cell is less than the lesser-pivot. */
  readonly lesser: tf.Tensor3D;
  /** `[B, R]` 1 where a row's text entry is a word of the question. */
  readonly textMatch: tf.Tensor2D;
}

/**
 * The program's state after step t: every scalar answer so far (`scalars[0]` is the initial 0),
 * every row selection so far (`rows[0]` is all real rows) and the lookup answer `[B, R, C]`.
 */
export interface ProgramState {
  readonly scalars: readonly tf.Tensor1D[];
  readonly rows: readonly tf.Tensor2D[];
  readonly lookup: tf.Tensor3D;
}

export function initialState(table: TableTensors): ProgramState {
  const [B, R, C] = table.values.shape;
  return { scalars: [tf.zeros([B])], rows: [table.rowMask], lookup: tf.zeros([B, R, C]) };
}

/**
 * The comparison masks against the pivot: `Σ_s weights[b, s] · masks[b, s, r, c]`.
 *
 * Why mix masks instead of comparing with the mixed pivot `Σ_s weights·number_s`: a comparison
 * is a step function, so a comparison against the mixed pivot passes no gradient to the pivot
 * weights. Mixing the per-number masks is the same when the weights are one-hot (hard selection,
 * evaluation) and in training makes the selection an expectation over which number is the pivot,
 * differentiable in the weights: a pivot choice that gives a better answer gets a larger weight.
 */
export function mixPivots(masks: tf.Tensor4D, weights: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => tf.sum(tf.mul(masks, tf.expandDims(tf.expandDims(weights, 2), 3)), 1));
}

function selectColumn(table3d: tf.Tensor3D, columnWeights: tf.Tensor2D): tf.Tensor2D {
  // [B, R, C] · [B, C, 1] → [B, R]
  return tf.squeeze(tf.matMul(table3d, tf.expandDims(columnWeights, 2)), [2]);
}

/** Every operation's output at one step, from the column selection and the state before it. */
export interface OperationOutputs {
  readonly sum: tf.Tensor1D;
  readonly count: tf.Tensor1D;
  readonly difference: tf.Tensor1D;
  readonly greater: tf.Tensor2D;
  readonly lesser: tf.Tensor2D;
  readonly and: tf.Tensor2D;
  readonly or: tf.Tensor2D;
  readonly reset: tf.Tensor2D;
  readonly text_match: tf.Tensor2D;
  /** `[B, R, C]` the selected column's cells on the selected rows. */
  readonly print: tf.Tensor3D;
}

/**
 * The operations of §2.3 of Neelakantan et al. on the soft column selection `columnWeights` `[B, C]`
 * and the row selections of the two previous steps: sum and count over the rows selected at t−1;
 * difference = scalar of t−3 minus scalar of t−1; greater and lesser compare the selected column
 * with the pivots; and/or are the min/max of the row selections of t−1 and t−2; print looks up the
 * selected column on the rows of t−1; reset selects every row; text_match the rows whose text entry
 * the question names. Missing history counts as the initial state (0, all rows).
 */
export function operationOutputs(
  table: TableTensors,
  columnWeights: tf.Tensor2D,
  state: ProgramState,
): OperationOutputs {
  const { scalars, rows } = state;
  const previous = rows[rows.length - 1] as tf.Tensor2D;
  const beforePrevious = (rows[rows.length - 2] ?? table.rowMask) as tf.Tensor2D;
  const scalarPrevious = scalars[scalars.length - 1] as tf.Tensor1D;
  const scalarThreeBack = (scalars[scalars.length - 3] ?? scalars[0]) as tf.Tensor1D;
  return {
    sum: tf.sum(tf.mul(selectColumn(table.values, columnWeights), previous), 1),
    count: tf.sum(previous, 1),
    difference: tf.sub(scalarThreeBack, scalarPrevious),
    greater: selectColumn(table.greater, columnWeights),
    lesser: selectColumn(table.lesser, columnWeights),
    and: tf.minimum(previous, beforePrevious),
    or: tf.maximum(previous, beforePrevious),
    reset: table.rowMask,
    text_match: table.textMatch,
    print: tf.mul(tf.expandDims(previous, 2), tf.expandDims(columnWeights, 1)),
  };
}

/**
 * The state after one step under the operation weights `opWeights` `[B, |ops|]` (one column per
 * `ops` entry): the scalar answer is the weighted scalar outputs plus the previous answer carried
 * by the weight of the other operations; the row selection is the weighted row outputs plus the
 * previous selection carried by the operations that select no rows (sum, count, difference,
 * print); the lookup answer is print's output by its weight plus the previous lookup carried by
 * the rest. With one-hot weights this executes exactly one operation.
 */
export function applyStep(
  outputs: OperationOutputs,
  opWeights: tf.Tensor2D,
  ops: readonly Operation[],
  state: ProgramState,
): ProgramState {
  const weight = (op: Operation): tf.Tensor1D => {
    const i = ops.indexOf(op);
    return i < 0
      ? tf.zerosLike(outputs.count)
      : (tf.squeeze(tf.slice(opWeights, [0, i], [-1, 1]), [1]) as tf.Tensor1D);
  };
  const w = Object.fromEntries(ops.map((op) => [op, weight(op)])) as Record<Operation, tf.Tensor1D>;
  const previousScalar = state.scalars[state.scalars.length - 1] as tf.Tensor1D;
  const previousRows = state.rows[state.rows.length - 1] as tf.Tensor2D;
  const col = (t: tf.Tensor1D) => tf.expandDims(t, 1);
  let scalarWeight: tf.Tensor1D = tf.zerosLike(previousScalar);
  let scalar: tf.Tensor1D = tf.zerosLike(previousScalar);
  let rows: tf.Tensor2D = tf.zerosLike(previousRows);
  let carried: tf.Tensor1D = tf.zerosLike(previousScalar);
  for (const op of ops) {
    if (SCALAR_OPS.has(op)) {
      scalar = tf.add(scalar, tf.mul(w[op], outputs[op as 'sum' | 'count' | 'difference']));
      scalarWeight = tf.add(scalarWeight, w[op]);
      carried = tf.add(carried, w[op]);
    } else if (op === 'print') {
      carried = tf.add(carried, w[op]);
    } else {
      const output = outputs[op as 'greater' | 'lesser' | 'and' | 'or' | 'reset' | 'text_match'];
      rows = tf.add(rows, tf.mul(col(w[op]), output));
    }
  }
  const printWeight = tf.expandDims(col(w.print), 2);
  return {
    scalars: [...state.scalars, tf.add(scalar, tf.mul(tf.sub(1, scalarWeight), previousScalar))],
    rows: [...state.rows, tf.add(rows, tf.mul(col(carried), previousRows))],
    lookup: tf.add(tf.mul(printWeight, outputs.print), tf.mul(tf.sub(1, printWeight), state.lookup)),
  };
}
