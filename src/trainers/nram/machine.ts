import * as tf from '@tensorflow/tfjs';
import type { RunStreams } from '../../core/index.js';
import { LISTK_OUTPUT_CELL } from '../../data/tasks/index.js';
import { Controller, type ControllerKind } from './controller.js';
import { GATES, GateSet } from './gates.js';

/** The shape hyper-parameters the machine needs (a subset of `NramConfig`). */
export interface NramShape {
  readonly memorySize: number;
  readonly registers: number;
  readonly timesteps: number;
  readonly controller: ControllerKind;
  readonly hiddenSize: number;
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

/** Controller outputs: each gate's input choices, each register's choice, one stopping logit. */
export function controllerOutputs(registers: number): number {
  let n = 0;
  GATES.forEach(({ arity }, q) => {
    n += arity * (registers + q);
  });
  return n + registers * (registers + GATES.length) + 1;
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

  constructor(shape: NramShape, streams: RunStreams) {
    this.shape = shape;
    this.gates = new GateSet(shape.memorySize);
    this.controller = new Controller(
      shape.controller,
      shape.registers,
      shape.hiddenSize,
      controllerOutputs(shape.registers),
      streams,
    );
  }

  get namedVariables(): ReadonlyArray<{ readonly name: string; readonly variable: tf.Variable }> {
    return this.controller.namedVariables;
  }

  /**
   * Unrolls the machine for `timesteps` steps on `memory` `[B, M]` (integers, one-hot encoded
   * here). Call it inside a tape or `tf.tidy`: it leaves its intermediates to the caller's scope.
   */
  run(memory: tf.Tensor2D, withEntropy = false): NramRun {
    const { memorySize: m, registers: r, timesteps } = this.shape;
    const batch = memory.shape[0];
    let mem = tf.cast(tf.oneHot(memory, m), 'float32') as tf.Tensor3D;
    let regs = tf.cast(tf.oneHot(tf.zeros([batch, r], 'int32'), m), 'float32') as tf.Tensor3D;
    let state = this.controller.initialState(batch);
    let remaining: tf.Tensor1D = tf.ones([batch]);
    const outputs: tf.Tensor2D[] = [];
    const stopWeights: tf.Tensor1D[] = [];
    const entropies: tf.Scalar[] = [];
    for (let t = 0; t < timesteps; t += 1) {
      const x = tf.reshape(tf.slice(regs, [0, 0, 0], [batch, r, 1]), [batch, r]) as tf.Tensor2D;
      const step = this.controller.step(x, state);
      state = step.state;
      const logits = step.logits;
      let offset = 0;
      const choose = (count: number, width: number): tf.Tensor3D => {
        const slice = tf.slice(logits, [0, offset], [batch, count * width]);
        offset += count * width;
        const logp = tf.logSoftmax(tf.reshape(slice, [batch, count, width]));
        const p = tf.exp(logp) as tf.Tensor3D;
        if (withEntropy) entropies.push(tf.neg(tf.mean<tf.Scalar>(tf.sum(tf.mul(p, logp), -1))));
        return p;
      };
      let candidates: tf.Tensor3D = regs;
      GATES.forEach(({ name, arity }, q) => {
        const inputs: tf.Tensor2D[] = [];
        if (arity > 0) {
          // [B, arity, R+q] × [B, R+q, M]: every input of the gate in one product.
          const mixed = tf.matMul(choose(arity, r + q), candidates);
          for (let j = 0; j < arity; j += 1) {
            inputs.push(tf.reshape(tf.slice(mixed, [0, j, 0], [batch, 1, m]), [batch, m]));
          }
        }
        const applied = this.gates.apply(name, inputs, mem);
        mem = applied.memory;
        candidates = tf.concat([candidates, tf.reshape(applied.output, [batch, 1, m])], 1);
      });
      const next = tf.matMul(choose(r, r + GATES.length), candidates);
      regs = tf.div(next, tf.sum(next, -1, true));
      const f =
        t === timesteps - 1
          ? tf.ones([batch])
          : tf.sigmoid(tf.reshape(tf.slice(logits, [0, offset], [batch, 1]), [batch]));
      stopWeights.push(tf.mul(remaining, f));
      remaining = tf.mul(remaining, tf.sub(1, f));
      outputs.push(tf.reshape(tf.slice(mem, [0, LISTK_OUTPUT_CELL, 0], [batch, 1, m]), [batch, m]));
    }
    const entropy = withEntropy ? tf.div<tf.Scalar>(tf.addN(entropies), entropies.length) : null;
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
    return tf.mean(tf.addN(terms));
  }

  /** The expected distribution of cell 2 at the stop, Σₜ pₜ Mₜ[2] `[B, M]`; its argmax is the answer. */
  static answer(run: NramRun): tf.Tensor2D {
    const terms = run.outputs.map((out, t) =>
      tf.mul(out, tf.expandDims(run.stopWeights[t] as tf.Tensor1D, 1)),
    );
    return tf.addN(terms) as tf.Tensor2D;
  }

  dispose(): void {
    this.gates.dispose();
    this.controller.dispose();
  }
}
