import { availableParallelism, cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { type AdapterDescription, describeAdapter } from './adapter.js';
import { loadNativeKernels } from './native.js';
import {
  type BackendDriver,
  type BackendFacts,
  type BackendName,
  type BackendPreference,
  type RejectedBackend,
  walkBackends,
} from './order.js';
import {
  activateWebGpu,
  type DeviceLostInfo,
  type ImportModule,
  inspectWebGpu,
  releaseWebGpu,
  webGpuDevice,
} from './webgpu.js';

/**
 * Chooses and starts the tfjs backend of the current thread, in the order of `order.ts`. tfjs keeps
 * its engine per thread, so every worker thread calls this once for itself.
 *
 * The node packages (`tensorflow-gpu`, `tensorflow`) are optional dependencies whose install
 * downloads libtensorflow; where that is blocked they are absent, or present without their native
 * binding, and the import fails: the expected path on such machines. `webgpu` needs an adapter from
 * Dawn: a GPU with a Vulkan driver, or lavapipe on a CPU (`scripts/lavapipe.sh`). `native` needs
 * its addon built and checked (`native.ts`), and then starts tfjs on `wasm` for the rest. Each
 * candidate passed by is returned with the reason, so the caller can log why it fell back.
 */

/** The backend this thread runs on. Plain data apart from `deviceLost`. */
export interface BackendSelection {
  /** As reported on runs and in metrics: `webgpu`, `tensorflow-gpu`, `tensorflow`, `native`, `wasm` or `cpu`. */
  readonly name: BackendName;
  /** The tfjs registry name it runs under (`tf.getBackend()`; `wasm` under `native`). */
  readonly tfjsName: string;
  /** One line naming the device: the WebGPU adapter, or the CPU model (and OpenBLAS on `native`). */
  readonly device: string;
  /** True on a software WebGPU adapter (lavapipe): a correctness path, not a speed path. */
  readonly software: boolean;
  /** The WebGPU adapter, on `webgpu`. */
  readonly adapter?: AdapterDescription;
  /** Candidates passed by before it, in order, with the reason. */
  readonly rejected: readonly RejectedBackend[];
  /** Things worth a log line (tensorflow-gpu running on the CPU). */
  readonly notes: readonly string[];
  /** On `webgpu`: settles when the device is lost (`GPUDevice.lost`). Null on other backends. */
  readonly deviceLost: Promise<DeviceLostInfo> | null;
}

export interface SelectBackendOptions {
  /** Loads a package; tests replace it to simulate a missing one. Default: dynamic `import()`. */
  readonly importModule?: ImportModule;
  /** The native addon to load for `native`. Default: the one `npm run build:native` builds. */
  readonly nativeAddon?: string;
}

const TFJS_NAME: Readonly<Record<BackendName, string>> = {
  webgpu: 'webgpu',
  'tensorflow-gpu': 'tensorflow',
  tensorflow: 'tensorflow',
  // The addon runs the mlp's dense stack and the neural_gpu's unroll; tfjs the rest, on wasm.
  native: 'wasm',
  wasm: 'wasm',
  cpu: 'cpu',
};

const SPECIFIER: Readonly<Record<BackendName, string | null>> = {
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  native: '@tensorflow/tfjs-backend-wasm',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: null,
};

// A variable specifier keeps TypeScript from resolving packages that may not be installed.
const defaultImport: ImportModule = (specifier) => import(specifier);

/**
 * Imports a backend package; if the import fails, undoes the kernel and backend registrations it
 * made first. A tfjs-node package installed without its native binding (its download blocked)
 * registers its kernels before it fails to load the binding; left in place, they would shadow the
 * next package's kernels and make it print one "already registered" warning per kernel.
 */
async function importCleanly(specifier: string, tfjsName: string, importModule: ImportModule): Promise<void> {
  const kernelsBefore = new Set(tf.getKernelsForBackend(tfjsName).map((k) => k.kernelName));
  const backendBefore = tf.findBackendFactory(tfjsName) !== null;
  try {
    await importModule(specifier);
  } catch (error) {
    for (const { kernelName } of tf.getKernelsForBackend(tfjsName)) {
      if (!kernelsBefore.has(kernelName)) tf.unregisterKernel(kernelName, tfjsName);
    }
    if (!backendBefore && tf.findBackendFactory(tfjsName) !== null) tf.removeBackend(tfjsName);
    throw error;
  }
}

/** The real driver: packages imported, `navigator.gpu` installed, `tf.setBackend` checked. */
function liveDriver(importModule: ImportModule, nativeAddon: string | undefined): BackendDriver {
  return {
    async inspect(candidate) {
      if (candidate === 'native') {
        loadNativeKernels(nativeAddon);
        return {};
      }
      if (candidate !== 'webgpu') return {};
      return { adapter: await inspectWebGpu(importModule) };
    },
    async activate(candidate): Promise<BackendFacts> {
      if (candidate === 'webgpu') {
        await activateWebGpu(importModule);
        return {};
      }
      const tfjsName = TFJS_NAME[candidate];
      const specifier = SPECIFIER[candidate];
      if (specifier !== null) await importCleanly(specifier, tfjsName, importModule);
      if (!(await tf.setBackend(tfjsName))) throw new Error(`tf.setBackend('${tfjsName}') returned false`);
      await tf.ready();
      if (candidate !== 'tensorflow-gpu') return {};
      return { usingGpuDevice: Reflect.get(tf.backend(), 'isUsingGpuDevice') === true };
    },
    async release(candidate) {
      if (candidate === 'webgpu') releaseWebGpu();
    },
  };
}

/** The host CPU, for the backends that compute on it. */
function cpuDevice(): string {
  const model = cpus()[0]?.model.trim() || 'unknown CPU';
  return `${model} (${availableParallelism()} threads)`;
}

/**
 * Selects and starts the backend of this thread (see `order.ts` for the order). Throws
 * `INVALID_ARGUMENT` for an unknown preference and `FAILED_PRECONDITION` when a named backend cannot
 * start, with every reason in the message (for `webgpu` with no adapter: Dawn's own words).
 */
export async function selectBackend(
  preference: BackendPreference = 'auto',
  options: SelectBackendOptions = {},
): Promise<BackendSelection> {
  const driver = liveDriver(options.importModule ?? defaultImport, options.nativeAddon);
  const decision = await walkBackends(preference, driver);
  const { name, adapter, rejected, notes } = decision;
  const device =
    adapter !== undefined
      ? describeAdapter(adapter)
      : name === 'tensorflow-gpu'
        ? 'CUDA device (libtensorflow)'
        : name === 'native'
          ? `${cpuDevice()}; ${loadNativeKernels(options.nativeAddon).blasConfig()}; tfjs on wasm`
          : cpuDevice();
  return {
    name,
    tfjsName: TFJS_NAME[decision.candidate],
    device,
    software: adapter?.software === true,
    ...(adapter === undefined ? {} : { adapter }),
    rejected,
    notes,
    deviceLost: name === 'webgpu' ? (webGpuDevice()?.lost ?? null) : null,
  };
}

/** Stops this thread's backend where it holds a device (`webgpu`), e.g. after a start-up probe. */
export function releaseBackend(selection: BackendSelection): void {
  if (selection.name === 'webgpu') releaseWebGpu();
}
