import * as tf from '@tensorflow/tfjs';
import type { NamedTensor } from '../../optim/index.js';
import type { NeuralGpuModel } from './model.js';

/** What one training batch yields: its loss, the argmax predictions and one gradient per variable. */
export interface BatchGradients {
  readonly loss: tf.Scalar;
  /** Whatever `head` predicted from the final logits (e.g. argmax digits). */
  readonly predicted: tf.Tensor;
  /** One gradient per variable, in `model.namedVariables` order, named by the variable's tfjs name. */
  readonly gradients: NamedTensor[];
}

/** The loss on top of the model: logits → scalar loss (differentiated) and predictions (not). */
export interface LossHead {
  loss(logits: tf.Tensor3D): tf.Scalar;
  predict(logits: tf.Tensor3D): tf.Tensor;
}

/**
 * The loss and gradients of the unrolled Neural GPU by backpropagation through time with one
 * checkpoint per step (recomputation), instead of one tape over the whole unroll.
 *
 * Why: tfjs keeps every tensor a tape records, and every intermediate gradient, until the whole
 * backward pass ends. For the default config at length 20 (41 steps × 2 layers) that comes close
 * to wasm's 4 GB heap, and a somewhat longer length aborts (docs/benchmarks.md, "Figures behind
 * the code"). Here the forward pass keeps only the states
 * s₀ … s_W (W + 1 tensors of `[batch, width, height, maps]`); the backward pass walks t = W−1 … 0,
 * re-runs step t under a short tape and takes the vector-Jacobian product with ∂L/∂s_{t+1}, giving
 * ∂L/∂s_t and step t's parameter gradients, which are summed over t (tied parameters). Memory is
 * O(W · state + one step's tape); the cost is one extra forward pass (about a third more work).
 *
 * The result equals the full-tape gradient up to float rounding order; it is deterministic, so
 * runs and resumes stay bit-identical.
 */
export function batchGradients(
  model: NeuralGpuModel,
  inputs: tf.Tensor2D,
  candidateMasks: readonly tf.Tensor4D[] | null,
  head: LossHead,
): BatchGradients {
  const width = inputs.shape[1];
  const embedding = model.embeddingVariable;
  const stepVariables = model.stepVariables;
  const readoutVariables = model.readoutVariables;

  const states: tf.Tensor4D[] = [model.embed(inputs)];
  for (let t = 0; t < width; t += 1) {
    states.push(model.step(states[t] as tf.Tensor4D, candidateMasks));
  }
  const final = states[width] as tf.Tensor4D;

  const predicted = tf.tidy(() => head.predict(model.readout(final)));
  const top = tf.valueAndGrads((s: tf.Tensor) => head.loss(model.readout(s as tf.Tensor4D)))([
    final,
    ...readoutVariables,
  ]);
  const loss = top.value as tf.Scalar;
  let stateGradient = top.grads[0] as tf.Tensor4D;
  const readoutGradients = top.grads.slice(1);
  final.dispose();

  let stepGradients: tf.Tensor[] | null = null;
  for (let t = width - 1; t >= 0; t -= 1) {
    const state = states[t] as tf.Tensor4D;
    const [previous, ...parameters] = tf.grads((s: tf.Tensor) =>
      model.step(s as tf.Tensor4D, candidateMasks),
    )([state, ...stepVariables], stateGradient);
    stateGradient.dispose();
    stateGradient = previous as tf.Tensor4D;
    if (t > 0) state.dispose(); // s₀ is still needed below
    if (stepGradients === null) {
      stepGradients = parameters;
    } else {
      const sums: tf.Tensor[] = stepGradients.map((sum, i) => tf.add(sum, parameters[i] as tf.Tensor));
      tf.dispose([...stepGradients, ...parameters]);
      stepGradients = sums;
    }
  }
  const [embeddingGradient] = tf.grads(() => model.embed(inputs))([embedding], stateGradient);
  tf.dispose([stateGradient, states[0] as tf.Tensor]);

  const all = [embeddingGradient, ...(stepGradients ?? []), ...readoutGradients];
  const variables = [embedding, ...stepVariables, ...readoutVariables];
  const gradients = variables.map((variable, i) => ({ name: variable.name, tensor: all[i] as tf.Tensor }));
  return { loss, predicted, gradients };
}
