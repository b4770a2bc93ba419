import * as tf from '@tensorflow/tfjs';

/**
 * Direct access to a float32 tensor's own storage on the backends that keep it in JavaScript-visible
 * memory: `wasm` (a range of the module's heap) and `cpu` (the backend's typed array).
 *
 * Why: the noisy optimizer reads every gradient to the host and, with noise, hands the inner
 * optimizer new values. Through the public API that is a copy out (`dataSync`) and, per variable, a
 * new tensor in (`tf.tensor`: allocation, copy, engine bookkeeping) — on the paper's 20 × 50 MLP,
 * 42 of each per step, more than the noise itself costs (docs/benchmarks.md, noise overhead).
 *
 * This relies on tfjs internals (`getMemoryOffset`, `refCount`, `data`) checked at run time; where
 * they are missing, or on any other backend, every function here answers null and the caller uses
 * the public path. A view into the wasm heap is only valid until the next tfjs operation (which may
 * grow the heap and detach it), so callers must not keep one across tfjs calls.
 */

interface WasmInternals {
  readonly wasm: { readonly HEAPU8: Uint8Array };
  getMemoryOffset(dataId: object): number;
  refCount(dataId: object): number;
}

interface CpuInternals {
  readonly data: { get(dataId: object): { readonly values?: unknown } | undefined };
  refCount(dataId: object): number;
}

function hasFunction(value: unknown, name: string): boolean {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, name) === 'function';
}

function isWasm(backend: unknown): backend is WasmInternals {
  if (!hasFunction(backend, 'getMemoryOffset') || !hasFunction(backend, 'refCount')) return false;
  const heap = Reflect.get(Reflect.get(backend as object, 'wasm') ?? {}, 'HEAPU8');
  return heap instanceof Uint8Array;
}

function isCpu(backend: unknown): backend is CpuInternals {
  return hasFunction(backend, 'refCount') && hasFunction(Reflect.get(backend as object, 'data'), 'get');
}

function view(t: tf.Tensor): { values: Float32Array; refCount: number } | null {
  if (t.dtype !== 'float32' || t.isDisposed) return null;
  const name = tf.getBackend();
  const backend: unknown = tf.backend();
  const dataId = t.dataId as object;
  if (name === 'wasm' && isWasm(backend)) {
    const offset = backend.getMemoryOffset(dataId);
    if (typeof offset !== 'number' || offset % 4 !== 0) return null;
    const values = new Float32Array(backend.wasm.HEAPU8.buffer, offset, t.size);
    return { values, refCount: backend.refCount(dataId) };
  }
  if (name === 'cpu' && isCpu(backend)) {
    const values = backend.data.get(dataId)?.values;
    if (!(values instanceof Float32Array) || values.length !== t.size) return null;
    // The cpu backend's Slice returns a subarray of its input under a new id with a count of 1,
    // so a count of 1 proves exclusivity only for an array that owns its whole buffer.
    const whole = values.byteOffset === 0 && values.byteLength === values.buffer.byteLength;
    return { values, refCount: whole ? backend.refCount(dataId) : Number.POSITIVE_INFINITY };
  }
  return null;
}

/**
 * The tensor's values without a copy where the backend allows (read only: writing would change the
 * tensor and every tensor sharing its storage), else a copy from `dataSync`.
 */
export function readStorage(t: tf.Tensor): Float32Array {
  const direct = view(t)?.values;
  if (direct !== undefined) return direct;
  const values = t.dataSync();
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

/**
 * The tensor's own storage to overwrite in place, or null when that is not possible: another
 * backend, not float32, or storage shared with another tensor (a reshape or clone of it), which
 * would see the write too.
 */
export function writableStorage(t: tf.Tensor): Float32Array | null {
  const direct = view(t);
  return direct === null || direct.refCount !== 1 ? null : direct.values;
}
