import * as tf from '@tensorflow/tfjs';

/** Backends whose tensors `dataSync` reads: the host path. Every other backend takes the device path. */
const HOST_READABLE = new Set(['cpu', 'wasm', 'tensorflow']);

/**
 * True when the current backend reads tensors synchronously (`cpu`, `wasm`, `tensorflow`), so the
 * optimizer's host path applies and a trainer may `dataSync`. `webgpu` in Node reads only
 * asynchronously (tfjs reads a GPU buffer synchronously only through a browser canvas).
 */
export function hostReadable(): boolean {
  return HOST_READABLE.has(tf.getBackend());
}
