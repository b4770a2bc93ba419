import type * as tf from '@tensorflow/tfjs';
import type { NamedTensor } from '../../optim/index.js';
import { bptt } from '../shared/sequence/index.js';
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
 * The loss and gradients of the unrolled Neural GPU: one CGRU step per input column over the state
 * `s₀ = embed(inputs)`, the loss on the readout of the last state, differentiated by the shared
 * `bptt` with every state kept (one checkpoint per step, recomputation of one step's tape).
 *
 * Why not one tape: for the default config at length 20 (41 steps × 2 layers) a whole-unroll tape
 * comes close to wasm's 4 GB heap, and a somewhat longer length aborts (docs/benchmarks.md,
 * "Figures behind the code"). Memory here is the W + 1 states of `[batch, width, height, maps]`
 * plus one step's tape.
 */
export function batchGradients(
  model: NeuralGpuModel,
  inputs: tf.Tensor2D,
  candidateMasks: readonly tf.Tensor4D[] | null,
  head: LossHead,
): BatchGradients {
  const readout = (state: readonly tf.Tensor[]): tf.Tensor3D => model.readout(state[0] as tf.Tensor4D);
  const { loss, output, gradients } = bptt({
    steps: inputs.shape[1],
    initial: () => [model.embed(inputs)],
    initialVariables: [model.embeddingVariable],
    step: (state) => [model.step(state[0] as tf.Tensor4D, candidateMasks)],
    stepVariables: model.stepVariables,
    loss: (final) => head.loss(readout(final)),
    lossVariables: model.readoutVariables,
    output: (final) => head.predict(readout(final)),
  });
  return {
    loss,
    predicted: output as tf.Tensor,
    gradients: gradients.map(({ variable, tensor }) => ({ name: variable.name, tensor })),
  };
}
