import * as tf from '@tensorflow/tfjs';
import { hostReadable } from './host-readable.js';

/**
 * Inputs of one `addN` off the host: WebGPU's default limit of 8 storage buffers per shader stage,
 * less the output. tfjs-backend-webgpu binds every input of its AddN kernel and asks the device for
 * no higher limit; a larger AddN fails validation, and with it the whole command buffer it was
 * batched in, so the step silently loses other kernels too (a model of 15 variables did).
 */
export const ADD_N_INPUTS = 7;

/**
 * `tf.addN(terms)`, except on a device backend (`webgpu`), where it sums in AddNs of at most
 * {@link ADD_N_INPUTS} inputs, a tree. On `cpu`, `wasm` and `tensorflow` it is exactly `tf.addN`,
 * so results there do not change; on a device the rounding of a longer sum differs slightly.
 */
export function addMany<T extends tf.Tensor>(terms: readonly T[]): T {
  if (hostReadable() || terms.length <= ADD_N_INPUTS) return tf.addN([...terms]);
  let level: tf.Tensor[] = [...terms];
  while (level.length > ADD_N_INPUTS) {
    const next: tf.Tensor[] = [];
    for (let i = 0; i < level.length; i += ADD_N_INPUTS) next.push(tf.addN(level.slice(i, i + ADD_N_INPUTS)));
    level = next;
  }
  return tf.addN(level) as T;
}
