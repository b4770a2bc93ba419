import * as tf from '@tensorflow/tfjs';
import type { NamedTensor } from '../../optim/index.js';
import { writableStorage } from '../../optim/index.js';

/**
 * The gradient tensors a `native` step writes in place (the mlp, neural_gpu and nram trainers' addon
 * steps): one per variable, made once and rewritten every step, so a step allocates none. The addon
 * writes into {@link NativeGradients.storage}; the optimizer gets {@link NativeGradients.named},
 * named and ordered as the tfjs step's gradients, so clipping, noise and the inner optimizer are
 * unchanged. Owns its tensors: `dispose` frees them.
 */
export class NativeGradients {
  readonly #variables: readonly tf.Variable[];
  readonly #tensors: tf.Tensor[];
  /** Who writes them, for the error (e.g. `native mlp step`). */
  readonly #owner: string;

  constructor(variables: readonly tf.Variable[], owner: string) {
    this.#variables = variables;
    this.#tensors = variables.map((v) => tf.keep(tf.zeros(v.shape)));
    this.#owner = owner;
  }

  /**
   * The storage of gradient `i`, which only this holds, to be written where it lies (valid until
   * the next tfjs op); throws when the backend gives none.
   */
  storage(i: number): Float32Array {
    const storage = writableStorage(this.#tensors[i] as tf.Tensor);
    if (storage === null) {
      throw new Error(`${this.#owner}: the ${tf.getBackend()} backend gives no writable gradient storage`);
    }
    return storage;
  }

  /** Every gradient's storage, in the variables' order. */
  storages(): Float32Array[] {
    return this.#tensors.map((_, i) => this.storage(i));
  }

  /** The gradients as the optimizer takes them: each variable's tfjs name with its tensor. */
  named(): NamedTensor[] {
    return this.#variables.map((v, i) => ({ name: v.name, tensor: this.#tensors[i] as tf.Tensor }));
  }

  dispose(): void {
    tf.dispose(this.#tensors);
  }
}
