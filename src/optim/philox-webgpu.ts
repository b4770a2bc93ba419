import * as tf from '@tensorflow/tfjs';
import { philoxKey, words } from '../core/index.js';
import type { NoiseKey } from './box-muller.js';
import { ADD_NORMALS_SOURCE, WORDS_SOURCE } from './philox-wgsl.js';

/**
 * The `philox` noise drawn on a `webgpu` device (philox-wgsl.ts has the kernels), through
 * tfjs-backend-webgpu's custom programs: a program object with `getUserCode()` run by the backend's
 * `runWebGPUProgram`, which binds the inputs, the output and the uniforms and caches the pipeline.
 * Only the key (two words from `philoxKey`, computed on the host as for the wasm path), the step's
 * words and σ_t go to the device; nothing comes back.
 *
 * The tfjs package is not imported at run time (optim must load without it): the backend is found
 * by its method, and these types are the subset of its `WebGPUProgram` that the kernels use.
 */

/** Invocations per workgroup. */
const WORKGROUP = 64;

interface ProgramUniform {
  readonly type: 'uint32' | 'float32';
  readonly data: number[];
}

/** tfjs-backend-webgpu's `WebGPUProgram`, the fields a flat one-input-or-none kernel sets. */
interface WebGpuProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  size: boolean;
  uniforms: string;
  getUserCode(): string;
}

interface WebGpuBackend {
  runWebGPUProgram(
    program: WebGpuProgram,
    inputs: tf.TensorInfo[],
    outputDtype: 'float32' | 'int32',
    uniforms: ProgramUniform[],
  ): tf.TensorInfo;
}

function isWebGpuBackend(backend: unknown): backend is WebGpuBackend {
  return (
    typeof backend === 'object' &&
    backend !== null &&
    typeof Reflect.get(backend, 'runWebGPUProgram') === 'function'
  );
}

/** True when the current backend runs WebGPU programs, so the `philox` noise can be drawn there. */
export function philoxOnDevice(): boolean {
  return isWebGpuBackend(tf.backend());
}

function currentBackend(): WebGpuBackend {
  const backend = tf.backend();
  if (!isWebGpuBackend(backend)) {
    throw new Error(
      `philox on the device needs the webgpu backend; the current backend is ${tf.getBackend()}`,
    );
  }
  return backend;
}

/** A program of `blocks` invocations (one per Philox block) over a flat output of `size` elements. */
function program(
  name: string,
  size: number,
  inputs: string[],
  uniforms: string,
  source: string,
): WebGpuProgram {
  const blocks = Math.ceil(size / 4);
  return {
    outputShape: [size],
    shaderKey: name,
    dispatchLayout: { x: [0] },
    // One invocation per block, not per element; runWebGPUProgram spreads it over y when too wide.
    dispatch: [Math.ceil(blocks / WORKGROUP), 1, 1],
    variableNames: inputs,
    workgroupSize: [WORKGROUP, 1, 1],
    size: true,
    uniforms,
    getUserCode: () => source,
  };
}

const u32 = (value: number): ProgramUniform => ({ type: 'uint32', data: [value >>> 0] });

/**
 * `base + std z` on the device, z the `philox` normals of `key` (philox.ts's layout): the twin of
 * `addScaledNormalsPhilox`, with the same words and normals within float32 rounding (philox-wgsl.ts).
 * A new tensor of `base`'s shape, tracked by the enclosing `tf.tidy`; `base` must be float32.
 */
export function addScaledNormalsPhiloxOnDevice(base: tf.Tensor, std: number, key: NoiseKey): tf.Tensor {
  if (base.dtype !== 'float32') throw new Error(`philox noise: base has dtype ${base.dtype}, not float32`);
  const backend = currentBackend();
  const [k0, k1] = philoxKey(key.seed, key.index);
  const [stepLow, stepHigh] = words(key.step);
  const flat = tf.reshape(base, [base.size]);
  const info = backend.runWebGPUProgram(
    program(
      'gradnoisePhiloxAddNormals',
      base.size,
      ['A'],
      'k0 : u32, k1 : u32, stepLow : u32, stepHigh : u32, scale : f32,',
      ADD_NORMALS_SOURCE,
    ),
    [flat],
    'float32',
    [u32(k0), u32(k1), u32(stepLow), u32(stepHigh), { type: 'float32', data: [std] }],
  );
  return tf.reshape(tf.engine().makeTensorFromTensorInfo(info), base.shape);
}

/**
 * The Philox4x32-10 words of `blocks` consecutive counters (counter[0] + b, counter[1..3]) under
 * `key`, drawn on the device and read back: for tests and diagnostics, which compare them with
 * `philox4x32` of philox.ts. (Not in the module's index.)
 */
export async function philoxWordsOnDevice(
  counter: readonly [number, number, number, number],
  key: readonly [number, number],
  blocks: number,
): Promise<Uint32Array> {
  const info = currentBackend().runWebGPUProgram(
    program(
      'gradnoisePhiloxWords',
      4 * blocks,
      [],
      'c0 : u32, c1 : u32, c2 : u32, c3 : u32, k0 : u32, k1 : u32,',
      WORDS_SOURCE,
    ),
    [],
    'int32',
    [...counter.map(u32), ...key.map(u32)],
  );
  const tensor = tf.engine().makeTensorFromTensorInfo(info);
  try {
    return Uint32Array.from(await tensor.data(), (word) => word >>> 0);
  } finally {
    tensor.dispose();
  }
}
