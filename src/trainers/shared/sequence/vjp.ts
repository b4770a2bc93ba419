import * as tf from '@tensorflow/tfjs';
import { addMany } from '../../../optim/index.js';

/** What `vjp` returns: the caller owns every tensor. */
export interface VjpResult {
  /** `f`'s value (for several outputs: Σᵢ sum(outᵢ · dyᵢ)). */
  readonly value: tf.Scalar;
  /** ∂/∂input for each input, zeros where `f` does not depend on it. */
  readonly inputs: tf.Tensor[];
  /** ∂/∂variable for each variable, null where `f` does not depend on it. */
  readonly variables: (tf.Tensor | null)[];
}

/**
 * The vector-Jacobian product of `f` (run once under a fresh tape) with `dy`, with respect to
 * `inputs` and `variables`; `dy` null means `f` returns one scalar and dy = 1 (a loss).
 *
 * One output goes through `engine.gradients` with `dy` as its seed, exactly as `tf.grads` does. For
 * several outputs the engine takes one `y`, so `y = Σᵢ sum(outᵢ · dyᵢ)`: its gradient with respect
 * to outᵢ is dyᵢ times ones, which is dyᵢ exactly in floating point. Unlike `tf.grads`, an input or
 * variable that `f` does not reach is no error: a recurrence may carry state that a loss ignores.
 */
export function vjp(
  f: () => tf.Tensor[],
  inputs: readonly tf.Tensor[],
  variables: readonly tf.Variable[],
  dy: readonly tf.Tensor[] | null,
): VjpResult {
  const xs = [...inputs, ...variables];
  const y = (): tf.Tensor => {
    const outs = f();
    if (dy === null || dy.length === 1) return outs[0] as tf.Tensor;
    return addMany(outs.map((out, i) => tf.sum(tf.mul(out, dy[i] as tf.Tensor))));
  };
  if (xs.length === 0) return { value: tf.tidy(y) as tf.Scalar, inputs: [], variables: [] };
  const seed = dy !== null && dy.length === 1 ? dy[0] : undefined;
  const { value, grads } = tf.engine().gradients(y, xs, seed, true);
  const all: Array<tf.Tensor | undefined> = grads;
  return {
    value: value as tf.Scalar,
    inputs: inputs.map((x, i) => all[i] ?? tf.zerosLike(x)),
    variables: variables.map((_, i) => all[inputs.length + i] ?? null),
  };
}

/**
 * Running sums of gradients per variable, in first-listed order without repeats. Owns its
 * tensors until `take` hands them over; `dispose` frees whatever it still holds.
 */
export class GradientSums {
  readonly #order: tf.Variable[];
  readonly #sums = new Map<tf.Variable, tf.Tensor>();

  constructor(variables: readonly tf.Variable[]) {
    this.#order = [...new Set(variables)];
  }

  /** Adds `gradients[i]` to `variables[i]`'s sum, disposing both addends; null adds nothing. */
  add(variables: readonly tf.Variable[], gradients: readonly (tf.Tensor | null)[]): void {
    variables.forEach((variable, i) => {
      const gradient = gradients[i];
      if (gradient === null || gradient === undefined) return;
      const sum = this.#sums.get(variable);
      if (sum === undefined) {
        this.#sums.set(variable, gradient);
      } else {
        this.#sums.set(variable, tf.add(sum, gradient));
        tf.dispose([sum, gradient]);
      }
    });
  }

  /** Every variable with its summed gradient (zeros if none was added); the caller owns them. */
  take(): Array<{ variable: tf.Variable; tensor: tf.Tensor }> {
    const out = this.#order.map((variable) => ({
      variable,
      tensor: this.#sums.get(variable) ?? tf.zerosLike(variable),
    }));
    this.#sums.clear();
    return out;
  }

  dispose(): void {
    tf.dispose([...this.#sums.values()]);
    this.#sums.clear();
  }
}
