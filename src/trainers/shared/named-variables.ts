import * as tf from '@tensorflow/tfjs';
import { failedPrecondition } from '../../core/index.js';

/** A model weight under its checkpoint name (e.g. `layer0/kernel`). */
export interface NamedVariable {
  readonly name: string;
  readonly variable: tf.Variable;
}

/**
 * tfjs variable name → checkpoint name, what `TrainerSession.parameterNames` returns: the noise of
 * each tensor is keyed by its checkpoint name, never by tfjs's per-process variable name.
 */
export function parameterNamesOf(variables: readonly NamedVariable[]): Map<string, string> {
  return new Map(variables.map(({ name, variable }) => [variable.name, name]));
}

/** The weights as new tensors owned by the caller (`TrainerSession.exportState`'s contract). */
export function cloneNamedVariables(
  variables: readonly NamedVariable[],
): { name: string; tensor: tf.Tensor }[] {
  return variables.map(({ name, variable }) => ({ name, tensor: tf.clone(variable) }));
}

/**
 * Assigns a checkpoint's tensors to the weights of the same names. Every weight is checked (present,
 * same shape) before any is assigned, so a bad checkpoint leaves the session intact; the error is
 * FAILED_PRECONDITION naming `trainer`, the tensor, its shape and the model's.
 */
export function assignNamedVariables(
  trainer: string,
  variables: readonly NamedVariable[],
  tensors: ReadonlyArray<{ readonly name: string; readonly tensor: tf.Tensor }>,
): void {
  const byName = new Map(tensors.map(({ name, tensor }) => [name, tensor]));
  for (const { name, variable } of variables) {
    const tensor = byName.get(name);
    if (tensor === undefined || !tf.util.arraysEqual(tensor.shape, variable.shape)) {
      throw failedPrecondition(
        `${trainer} checkpoint: tensor ${name} has shape ${JSON.stringify(tensor?.shape ?? null)}; ` +
          `the model needs ${JSON.stringify(variable.shape)}`,
      );
    }
  }
  for (const { name, variable } of variables) variable.assign(byName.get(name) as tf.Tensor);
}
