import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkNativeKernels } from './native-check.js';
import { checkNeuralGpuKernels } from './native-check-ngpu.js';
import { checkNramKernels } from './native-check-nram.js';
import type { NativeKernels } from './native-kernels.js';
import { openBlasCoreType } from './openblas-core.js';

/**
 * The `native` backend's kernels: the N-API addon built from `native/` (plain C over CBLAS, linked
 * to OpenBLAS; `npm run build:native`), which runs the mlp trainer's whole dense stack, the
 * neural_gpu trainer's whole unrolled model and the nram trainer's whole unrolled machine, forward
 * and backward, in one call per step instead of the hundreds or thousands of small tfjs ops of the
 * same step (issues 22 and 18: at this size tfjs pays per op, not per FLOP). tfjs itself still
 * runs everything else of a `native` replica (other trainers, the optimizer) on `wasm` underneath.
 *
 * Every array crosses the boundary as the caller's own Float32Array (a view of the wasm heap
 * included): the addon reads and writes it where it lies. The addon sets OpenBLAS to one thread
 * when it loads, as each training worker is one thread, and the loader names OpenBLAS's kernels
 * where its own detection would fall short (`openblas-core.ts`).
 *
 * Loading is per thread (each worker thread has its own module state) and checked: the addon's
 * gradients must agree with a plain JavaScript reference on a small network (`native-check.ts`),
 * and its Neural GPU and NRAM gradients with finite differences of their losses
 * (`native-check-ngpu.ts`, `native-check-nram.ts`), before the backend is offered, so a broken
 * build or BLAS falls back to `wasm` with the reason.
 */

const FUNCTIONS = [
  'workspaceLength',
  'forward',
  'step',
  'sgd',
  'blasConfig',
  'blasThreads',
  'neuralGpuWorkspaceLength',
  'neuralGpuStep',
  'neuralGpuPredict',
  'nramWorkspaceLength',
  'nramRun',
] as const;

/**
 * Where `npm run build:native` puts the addon: `native/build/Release/` of the installation, the
 * nearest folder above this file (src/ or dist/src/) with a package.json (the image copies only the
 * built file there).
 */
export function defaultNativeAddonPath(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  let root = start;
  while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
  return join(root, 'native', 'build', 'Release', 'gradnoise_native.node');
}

function isNativeKernels(value: unknown): value is NativeKernels {
  return (
    typeof value === 'object' &&
    value !== null &&
    FUNCTIONS.every((name) => typeof Reflect.get(value, name) === 'function')
  );
}

/** This thread's addon once loaded and checked. */
let loaded: { readonly path: string; readonly kernels: NativeKernels } | null = null;

/**
 * Loads the addon at `path` (default {@link defaultNativeAddonPath}) and checks it; returns it, or
 * throws with the reason it cannot be used (not built, a missing library, a failed check). Loading
 * twice from one path returns the first.
 */
export function loadNativeKernels(path: string = defaultNativeAddonPath()): NativeKernels {
  if (loaded !== null && loaded.path === path) return loaded.kernels;
  if (!existsSync(path)) {
    throw new Error(
      `the native addon is not built (no ${path}); build it with npm run build:native ` +
        '(needs a C compiler, make, python3 and libopenblas-dev)',
    );
  }
  // OpenBLAS reads it once, when the addon loads it: the first load in the process decides (the
  // service's start-up probe, on the main thread, whose environment is the process's).
  const core = openBlasCoreType(process.env.OPENBLAS_CORETYPE);
  if (core !== undefined) process.env.OPENBLAS_CORETYPE = core;
  let module: unknown;
  try {
    module = createRequire(import.meta.url)(path);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`the native addon ${path} does not load: ${message.split('\n')[0]}`);
  }
  if (!isNativeKernels(module)) throw new Error(`${path} is not gradnoise's native addon`);
  checkNativeKernels(module);
  checkNeuralGpuKernels(module);
  checkNramKernels(module);
  loaded = { path, kernels: module };
  return module;
}

/** This thread's checked addon, or null when `native` was not selected here. */
export function nativeKernels(): NativeKernels | null {
  return loaded?.kernels ?? null;
}
