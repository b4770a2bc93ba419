import { GATES } from './gates.js';

/**
 * A logit that no softmax can pick: `exp(MASKED − max)` is exactly 0 in float32, so a padded
 * softmax equals the softmax over the valid entries alone.
 */
const MASKED = -1e9;

/**
 * Where the controller's choices sit once padded to one grid (Kurach et al., 2016, §3.2: gate q
 * picks each input from the R registers and the outputs of gates 0..q−1; each register picks its
 * new value from the registers and all G gate outputs).
 *
 * The controller emits its logits compactly (gate 0's inputs, gate 1's, …, the registers', then
 * the stopping logit; {@link controllerOutputs} of them). The machine needs them as one grid
 * `[rows, width]`: one row per gate input and per register, `width = R + G` candidates (column
 * j < R is register j, column R + q gate q's output), entries a row may not pick masked. Then all
 * of a step's choices are one softmax, and all gate inputs and new registers are read off one
 * running mixture `[B, rows, M]` (see `NramMachine.run`). `scatter` `[outputs, rows·width + 1]`
 * moves a compact logit to its grid cell (the stopping logit to the last column) and `offset`
 * masks the rest, so the grid is `h (W S) + (b S + offset)`: a product per run, not per step.
 */
export interface CircuitLayout {
  readonly registers: number;
  /** Σ arity over the gates, plus R. */
  readonly rows: number;
  /** R + G. */
  readonly width: number;
  /** Gate q's first input row (its inputs are consecutive); -1 for constant gates. */
  readonly inputRow: readonly number[];
  /** The first register row; register i is row `registerRow + i`. */
  readonly registerRow: number;
  /** The controller's compact outputs. */
  readonly outputs: number;
  /** `[outputs, rows·width + 1]` 0/1. */
  readonly scatter: Float32Array;
  /** `[rows·width + 1]`: 0 where a choice may go, {@link MASKED} where not. */
  readonly offset: Float32Array;
  /**
   * `[rows]`: the weight of each row's entropy in the step's entropy, the mean over choices
   * (each gate's inputs, the registers) of the mean entropy of their rows.
   */
  readonly entropyWeights: Float32Array;
  /** Per register i, the compact output that picks register i itself (keeps its value). */
  readonly keepOutputs: readonly number[];
}

/** Controller outputs: each gate's input choices, each register's choice, one stopping logit. */
export function controllerOutputs(registers: number): number {
  let n = 0;
  GATES.forEach(({ arity }, q) => {
    n += arity * (registers + q);
  });
  return n + registers * (registers + GATES.length) + 1;
}

export function circuitLayout(registers: number): CircuitLayout {
  const r = registers;
  const width = r + GATES.length;
  const inputRow: number[] = [];
  const groups: { row: number; count: number; valid: number }[] = [];
  let rows = 0;
  GATES.forEach(({ arity }, q) => {
    inputRow.push(arity > 0 ? rows : -1);
    if (arity > 0) groups.push({ row: rows, count: arity, valid: r + q });
    rows += arity;
  });
  const registerRow = rows;
  groups.push({ row: rows, count: r, valid: width });
  rows += r;
  const outputs = controllerOutputs(r);
  const cells = rows * width + 1;
  const scatter = new Float32Array(outputs * cells);
  const offset = new Float32Array(cells).fill(MASKED);
  const entropyWeights = new Float32Array(rows);
  const keepOutputs: number[] = [];
  let compact = 0;
  for (const { row, count, valid } of groups) {
    for (let i = 0; i < count; i += 1) {
      entropyWeights[row + i] = 1 / (count * groups.length);
      for (let j = 0; j < valid; j += 1) {
        const cell = (row + i) * width + j;
        if (row === registerRow && j === i) keepOutputs.push(compact);
        scatter[compact * cells + cell] = 1;
        offset[cell] = 0;
        compact += 1;
      }
    }
  }
  scatter[compact * cells + cells - 1] = 1;
  offset[cells - 1] = 0;
  return {
    registers: r,
    rows,
    width,
    inputRow,
    registerRow,
    outputs,
    scatter,
    offset,
    entropyWeights,
    keepOutputs,
  };
}
