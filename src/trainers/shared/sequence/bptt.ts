import * as tf from '@tensorflow/tfjs';
import { invalidArgument } from '../../../core/index.js';
import { GradientSums, vjp } from './vjp.js';

/**
 * A recurrence to differentiate: `s₀ = initial()`, `s_{t+1} = step(s_t, t)` for t < `steps`, and
 * the loss `loss(s_T) + Σ_t stepLoss(s_{t+1}, t)`. A state is a list of tensors (e.g. memory,
 * registers, an LSTM's h and c); every step returns the same number of tensors.
 *
 * `initial`, `step` and the losses must be pure functions of their arguments and the variables
 * they declare: the backward pass re-runs them under a short tape. Randomness (dropout masks) is
 * drawn before the call and captured, never inside.
 */
export interface Unroll {
  /** T ≥ 0: how many times `step` runs. */
  readonly steps: number;
  initial(): tf.Tensor[];
  /** The variables `initial` reads (e.g. an input embedding); may be empty. */
  readonly initialVariables: readonly tf.Variable[];
  step(state: readonly tf.Tensor[], t: number): tf.Tensor[];
  /** The variables `step` reads, tied over t: their gradients are summed over the steps. */
  readonly stepVariables: readonly tf.Variable[];
  /** The loss on the final state `s_T`. */
  loss(final: readonly tf.Tensor[]): tf.Scalar;
  /** The variables `loss` and `stepLoss` read (e.g. a readout layer); may be empty. */
  readonly lossVariables: readonly tf.Variable[];
  /** Optional loss on each `s_{t+1}` (per-step targets), added to the total. */
  stepLoss?(state: readonly tf.Tensor[], t: number): tf.Scalar;
  /** Optional value computed from `s_T` outside any tape (e.g. argmax predictions). */
  output?(final: readonly tf.Tensor[]): tf.Tensor;
}

export interface BpttOptions {
  /**
   * Keep every `keepEvery`-th state in the forward pass and recompute the others from the nearest
   * kept one, segment by segment, in the backward pass. Default 1: keep every state, no extra
   * forward work. Larger values trade one more forward pass for memory: about T/keepEvery +
   * keepEvery states live at once instead of T + 1.
   */
  readonly keepEvery?: number;
  /**
   * Truncated BPTT (Williams & Peng 1990, the k₁ = k₂ = `truncate` variant): the steps fall into
   * chunks of `truncate`, and no gradient crosses a chunk boundary backwards, as if each chunk
   * started from a constant state. Losses inside a chunk reach only that chunk's steps (the final
   * loss the last chunk). Default: no truncation, the exact gradient.
   */
  readonly truncate?: number;
}

export interface BpttResult {
  /** The total loss: `loss(s_T)` plus every `stepLoss`. */
  readonly loss: tf.Scalar;
  /** What `output` returned, or null without one. */
  readonly output: tf.Tensor | null;
  /**
   * One gradient per distinct variable: `initialVariables`, then `stepVariables`, then
   * `lossVariables`, in that order, without repeats; a variable no loss reaches gets zeros.
   */
  readonly gradients: ReadonlyArray<{ readonly variable: tf.Variable; readonly tensor: tf.Tensor }>;
}

function positive(field: string, value: number | undefined): number | undefined {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
    throw invalidArgument(field, value, 'an integer >= 1');
  }
  return value;
}

/**
 * The loss and gradients of an unrolled recurrence by backpropagation through time with
 * recomputation, instead of one tape over the whole unroll.
 *
 * Why: tfjs keeps every tensor a tape records, and every intermediate gradient, until the whole
 * backward pass ends, so one tape over a long unroll exhausts wasm's 4 GB heap. Here the forward
 * pass keeps only the states (every `keepEvery`-th one); the backward pass walks t = T−1 … 0,
 * re-runs step t under a short tape and takes the vector-Jacobian product with ∂L/∂s_{t+1}, giving
 * ∂L/∂s_t and step t's parameter gradients, summed over t. Memory is the kept states plus one
 * step's tape; the cost is one extra forward pass of the steps.
 *
 * The result equals the one-tape gradient up to float rounding order and is deterministic, so
 * runs and resumes stay bit-identical. Every tensor made here is disposed, except the result's,
 * which the caller owns, also when a callback throws.
 */
export function bptt(unroll: Unroll, options: BpttOptions = {}): BpttResult {
  const steps = unroll.steps;
  if (!(Number.isInteger(steps) && steps >= 0)) throw invalidArgument('steps', steps, 'an integer >= 0');
  const keepEvery = positive('keepEvery', options.keepEvery) ?? 1;
  const truncate = positive('truncate', options.truncate) ?? Number.POSITIVE_INFINITY;
  const sums = new GradientSums([
    ...unroll.initialVariables,
    ...unroll.stepVariables,
    ...unroll.lossVariables,
  ]);
  /** States alive now, by time: the kept ones, then a recomputed segment. */
  const states = new Map<number, tf.Tensor[]>();
  const drop = (t: number) => {
    tf.dispose(states.get(t));
    states.delete(t);
  };
  let stateGradient: tf.Tensor[] | null = null;
  let loss: tf.Scalar | null = null;
  let output: tf.Tensor | null = null;
  try {
    states.set(
      0,
      checkState(
        tf.tidy(() => unroll.initial()),
        null,
        'initial',
      ),
    );
    for (let t = 0; t < steps; t += 1) {
      const state = states.get(t) as tf.Tensor[];
      states.set(
        t + 1,
        checkState(
          tf.tidy(() => fresh(unroll.step(state, t), state)),
          state,
          `step ${t}`,
        ),
      );
      if (t % keepEvery !== 0) drop(t);
    }
    const final = states.get(steps) as tf.Tensor[];
    const { output: makeOutput, stepLoss } = unroll;
    if (makeOutput !== undefined) output = tf.tidy(() => makeOutput(final));
    const top = vjp(() => [unroll.loss(final)], final, unroll.lossVariables, null);
    loss = top.value;
    stateGradient = top.inputs;
    sums.add(unroll.lossVariables, top.variables);

    for (let t = steps - 1; t >= 0; t -= 1) {
      if (!states.has(t)) recomputeSegment(unroll, states, t - (t % keepEvery), t);
      const next = states.get(t + 1) as tf.Tensor[];
      if (stepLoss !== undefined) {
        const own = vjp(() => [stepLoss(next, t)], next, unroll.lossVariables, null);
        const total: tf.Scalar = tf.add(loss, own.value);
        tf.dispose([loss, own.value]);
        loss = total;
        stateGradient = addGradients(stateGradient, own.inputs);
        sums.add(unroll.lossVariables, own.variables);
      }
      drop(t + 1);
      if (stateGradient === null) continue;
      const state = states.get(t) as tf.Tensor[];
      const back = vjp(() => fresh(unroll.step(state, t), state), state, unroll.stepVariables, stateGradient);
      tf.dispose([back.value, ...stateGradient]);
      // A chunk boundary: whatever flows into s_t from later steps is cut (s₀ starts chunk 0).
      if (t > 0 && t % truncate === 0) {
        tf.dispose(back.inputs);
        stateGradient = null;
      } else {
        stateGradient = back.inputs;
      }
      sums.add(unroll.stepVariables, back.variables);
    }
    if (stateGradient !== null && unroll.initialVariables.length > 0) {
      const first = vjp(() => unroll.initial(), [], unroll.initialVariables, stateGradient);
      tf.dispose(first.value);
      sums.add(unroll.initialVariables, first.variables);
    }
    const result = { loss, output, gradients: sums.take() };
    loss = null;
    output = null;
    return result;
  } finally {
    for (const t of [...states.keys()]) drop(t);
    tf.dispose([
      ...(stateGradient ?? []),
      ...(loss === null ? [] : [loss]),
      ...(output === null ? [] : [output]),
    ]);
    sums.dispose();
  }
}

/**
 * `outputs` with a copy of any tensor that is also an input (a state part a step passes through
 * unchanged), so that every state has its own tensors to dispose and every output is on the tape.
 */
function fresh(outputs: tf.Tensor[], inputs: readonly tf.Tensor[]): tf.Tensor[] {
  return outputs.map((x) => (inputs.includes(x) ? tf.clone(x) : x));
}

/** Recomputes `s_{from+1} … s_{to}` from the kept `s_from` (`to` is in the same segment). */
function recomputeSegment(unroll: Unroll, states: Map<number, tf.Tensor[]>, from: number, to: number): void {
  for (let t = from; t < to; t += 1) {
    const state = states.get(t) as tf.Tensor[];
    states.set(
      t + 1,
      tf.tidy(() => fresh(unroll.step(state, t), state)),
    );
  }
}

/**
 * `state` itself, once every tensor is float32 (only those carry a gradient) and, after a step,
 * it has the count and shapes of the state before; disposes it and throws otherwise.
 */
function checkState(state: tf.Tensor[], previous: readonly tf.Tensor[] | null, where: string): tf.Tensor[] {
  const fail = (field: string, value: unknown, allowed: string): never => {
    tf.dispose(state);
    throw invalidArgument(`${where}: ${field}`, value, allowed);
  };
  if (previous !== null && state.length !== previous.length) {
    fail('state.length', state.length, `${previous.length}, as the state before`);
  }
  state.forEach((x, i) => {
    if (x.dtype !== 'float32')
      fail(`state[${i}].dtype`, x.dtype, 'float32 (keep integer data out of the state)');
    const before = previous?.[i]?.shape;
    if (before !== undefined && !tf.util.arraysEqual(x.shape, before)) {
      fail(`state[${i}].shape`, x.shape, `${JSON.stringify(before)}, as the state before`);
    }
  });
  return state;
}

/** `a + b` elementwise over two state gradients (null = zero); disposes both inputs. */
function addGradients(a: tf.Tensor[] | null, b: tf.Tensor[]): tf.Tensor[] {
  if (a === null) return b;
  const sums = a.map((x, i) => tf.add(x, b[i] as tf.Tensor));
  tf.dispose([...a, ...b]);
  return sums;
}
