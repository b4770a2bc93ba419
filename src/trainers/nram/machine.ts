import * as tf from '@tensorflow/tfjs';
import type { RunStreams } from '../../core/index.js';
import { LISTK_OUTPUT_CELL } from '../../data/tasks/index.js';
import { addMany } from '../../optim/index.js';
import { type CircuitLayout, circuitLayout } from './circuit.js';
import { Controller, type ControllerKind } from './controller.js';
import { GATES, GateSet } from './gates.js';
import { ConstantMap } from './products.js';

/** The shape hyper-parameters the machine needs (a subset of `NramConfig`). */
export interface NramShape {
  readonly memorySize: number;
  readonly registers: number;
  readonly timesteps: number;
  readonly controller: ControllerKind;
  readonly hiddenSize: number;
  /** The stopping logit's initial bias. */
  readonly stopBias: number;
  /** The initial bias of each register's logit for keeping its own value. */
  readonly keepBias: number;
}

/** Probabilities below this are clamped before a logarithm (float32 cannot hold 1e-100). */
export const LOG_CLAMP = 1e-7;

/** What one unrolled run of the machine yields, for a batch. */
export interface NramRun {
  /** `[B, M]` per step: cell 2's distribution after step t. */
  readonly outputs: tf.Tensor2D[];
  /** `[B]` per step: pₜ = fₜ Π_{i<t}(1 − fᵢ), with f at the last step forced to 1 (they sum to 1). */
  readonly stopWeights: tf.Tensor1D[];
  /**
   * The mean entropy of the controller's choices (inputs of gates, registers) over steps; null
   * unless asked for (it costs a few ops per choice, and only the entropy bonus needs it).
   */
  readonly entropy: tf.Scalar | null;
}

/**
 * The Neural Random-Access Machine (Kurach et al., 2016, §3; paper §4.4). State: memory `[B, M, M]`
 * (row i is cell i's distribution over {0..M−1}) and R registers `[B, R, M]`, all starting one-hot
 * at 0. At each of T steps the controller sees `P(rᵢ = 0)` and emits logits; gate q's inputs are
 * softmax mixtures of the registers and the outputs of gates 0..q−1 (the circuit); the gates run in
 * order (READ first, WRITE last, so READ sees the memory before this step's write); each register's
 * new value is a softmax mixture of the registers and every gate output, renormalised against
 * rounding. The controller also emits the stopping probability fₜ = σ(logit).
 */
export class NramMachine {
  readonly shape: NramShape;
  readonly gates: GateSet;
  readonly controller: Controller;
  readonly #layout: CircuitLayout;
  readonly #scatter: ConstantMap;
  /** Per gate, the map from the choices `[B·rows, width]` to their column R + q `[B·rows, 1]`. */
  readonly #columns: ConstantMap[];
  readonly #offset: tf.Tensor1D;
  readonly #entropyWeights: tf.Tensor1D;

  constructor(shape: NramShape, streams: RunStreams) {
    this.shape = shape;
    this.gates = new GateSet(shape.memorySize);
    this.#layout = circuitLayout(shape.registers);
    const { outputs, rows, width, scatter, offset, entropyWeights } = this.#layout;
    this.#scatter = new ConstantMap(tf.tensor2d(scatter, [outputs, rows * width + 1]));
    this.#columns = GATES.map((_, q) => {
      const column = new Float32Array(width);
      column[shape.registers + q] = 1;
      return new ConstantMap(tf.tensor2d(column, [width, 1]));
    });
    this.#offset = tf.tensor1d(offset);
    this.#entropyWeights = tf.tensor1d(entropyWeights);
    const bias = new Float32Array(outputs);
    for (const keep of this.#layout.keepOutputs) bias[keep] = shape.keepBias;
    bias[outputs - 1] = shape.stopBias;
    this.controller = new Controller(shape.controller, shape.registers, shape.hiddenSize, bias, streams);
  }

  get namedVariables(): ReadonlyArray<{ readonly name: string; readonly variable: tf.Variable }> {
    return this.controller.namedVariables;
  }

  /**
   * Unrolls the machine for `timesteps` steps on `memory` `[B, M]` (integers, one-hot encoded
   * here). Call it inside a tape or `tf.tidy`: it leaves its intermediates to the caller's scope.
   *
   * Each step's choices are one padded softmax `[B, rows, R + G]` (see {@link CircuitLayout}).
   * The running mixture `mix` `[B, rows, M]` holds, for every gate input and register, its
   * mixture over the candidates known so far: it starts as the choices times the registers and
   * the constant gates' outputs, and each computed gate output o_q adds the outer product of the
   * choices' column R + q with o_q. Gate q reads its inputs off `mix` once gates 0..q−1 have
   * added theirs (its own column is masked to 0 in its rows, and later ones too), and after the
   * last gate the register rows are the new registers. That is a few batched products per gate
   * instead of a softmax, a concatenation and a product per gate.
   */
  run(memory: tf.Tensor2D, withEntropy = false): NramRun {
    const { memorySize: m, registers: r, timesteps } = this.shape;
    const { rows, width, inputRow, registerRow } = this.#layout;
    const batch = memory.shape[0];
    let mem = tf.cast(tf.oneHot(memory, m), 'float32') as tf.Tensor3D;
    let regs = tf.cast(tf.oneHot(tf.zeros([batch, r], 'int32'), m), 'float32') as tf.Tensor3D;
    let state = this.controller.initialState(batch);
    const layer = this.controller.projectOutput(this.#scatter, this.#offset);
    // The candidates' rows that are known before any gate runs: the constants; zeros elsewhere.
    const constants = tf.tile(
      tf.stack(
        GATES.map(({ name, arity }) =>
          arity === 0 || name === 'write'
            ? this.gates.constant(arity === 0 ? name : 'zero')
            : tf.zeros([1, m]),
        ),
        1,
      ),
      [batch, 1, 1],
    ) as tf.Tensor3D;
    let remaining: tf.Tensor1D = tf.ones([batch]);
    const outputs: tf.Tensor2D[] = [];
    const stopWeights: tf.Tensor1D[] = [];
    const entropies: tf.Scalar[] = [];
    for (let t = 0; t < timesteps; t += 1) {
      const x = tf.reshape(tf.slice(regs, [0, 0, 0], [batch, r, 1]), [batch, r]) as tf.Tensor2D;
      const step = this.controller.step(x, state, layer);
      state = step.state;
      // A split, not two slices: a slice's gradient pads, which is slow on wasm here.
      const [gridLogits, stopLogit] = tf.split(step.logits, [rows * width, 1], 1) as [
        tf.Tensor2D,
        tf.Tensor2D,
      ];
      const grid = tf.reshape(gridLogits, [batch, rows, width]);
      let choices: tf.Tensor3D;
      if (withEntropy) {
        const logp = tf.logSoftmax(grid);
        choices = tf.exp(logp) as tf.Tensor3D;
        const rowEntropy = tf.neg(tf.mean(tf.sum(tf.mul(choices, logp), -1), 0));
        entropies.push(tf.sum(tf.mul(rowEntropy, this.#entropyWeights)));
      } else {
        choices = tf.softmax(grid) as tf.Tensor3D;
      }
      const choicesFlat = tf.reshape(choices, [batch * rows, width]) as tf.Tensor2D;
      let mix = tf.matMul(choices, tf.concat([regs, constants], 1));
      GATES.forEach(({ name, arity }, q) => {
        if (arity === 0) return;
        const row = inputRow[q] as number;
        const inputs =
          arity === 1
            ? [tf.slice(mix, [0, row, 0], [batch, 1, m]) as tf.Tensor3D]
            : (tf.split(tf.slice(mix, [0, row, 0], [batch, 2, m]), 2, 1) as tf.Tensor3D[]);
        const applied = this.gates.applyRows(name, inputs, mem);
        mem = applied.memory;
        if (name !== 'write') {
          // Column R + q [B, rows, 1] times o_q [B, 1, M]: on wasm a plain product picks the
          // column faster than a strided slice, and a broadcast product beats B rank-1 products.
          const column = this.#columns[q] as ConstantMap;
          const weights = tf.reshape(column.apply(choicesFlat), [batch, rows, 1]);
          mix = tf.add(mix, tf.mul(weights, applied.output));
        }
      });
      const next = tf.slice(mix, [0, registerRow, 0], [batch, r, m]);
      regs = tf.div(next, tf.sum(next, -1, true));
      const f = t === timesteps - 1 ? tf.ones([batch]) : tf.sigmoid(tf.reshape(stopLogit, [batch]));
      stopWeights.push(tf.mul(remaining, f));
      remaining = tf.mul(remaining, tf.sub(1, f));
      outputs.push(tf.reshape(tf.slice(mem, [0, LISTK_OUTPUT_CELL, 0], [batch, 1, m]), [batch, m]));
    }
    const entropy = withEntropy ? tf.div<tf.Scalar>(addMany(entropies), entropies.length) : null;
    return { outputs, stopWeights, entropy };
  }

  /**
   * The expected negative log-likelihood of `targets` `[B]` in cell 2 under the stopping
   * distribution, Σₜ pₜ · −log max(Mₜ[2, target], 1e-7), averaged over the batch.
   */
  static loss(run: NramRun, targets: tf.Tensor1D): tf.Scalar {
    const m = run.outputs[0]?.shape[1] ?? 1;
    const picks = tf.cast(tf.oneHot(targets, m), 'float32');
    const terms = run.outputs.map((out, t) => {
      const likelihood = tf.sum(tf.mul(out, picks), 1);
      return tf.mul(run.stopWeights[t] as tf.Tensor1D, tf.neg(tf.log(tf.maximum(likelihood, LOG_CLAMP))));
    });
    return tf.mean(addMany(terms));
  }

  /** The expected distribution of cell 2 at the stop, Σₜ pₜ Mₜ[2] `[B, M]`; its argmax is the answer. */
  static answer(run: NramRun): tf.Tensor2D {
    const terms = run.outputs.map((out, t) =>
      tf.mul(out, tf.expandDims(run.stopWeights[t] as tf.Tensor1D, 1)),
    );
    return addMany(terms) as tf.Tensor2D;
  }

  dispose(): void {
    this.gates.dispose();
    this.controller.dispose();
    this.#scatter.dispose();
    for (const column of this.#columns) column.dispose();
    tf.dispose([this.#offset, this.#entropyWeights]);
  }
}
