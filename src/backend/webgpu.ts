import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { type AdapterDescription, type AdapterInfoFields, adapterDescription } from './adapter.js';

/**
 * WebGPU in Node through Dawn's binding (npm `webgpu`, which ships `dawn.node`), as the `webgpu`
 * backend of tfjs (`@tensorflow/tfjs-backend-webgpu`).
 *
 * Order matters: tfjs-backend-webgpu registers itself only if `navigator.gpu` exists when the
 * module is loaded, and it uses the WebGPU globals (`GPUBufferUsage`, `GPUBuffer`, …) as browser
 * globals. So {@link inspectWebGpu} installs both from Dawn first, and {@link activateWebGpu}
 * loads the tfjs backend after. Both are per thread: every worker thread does it for itself.
 *
 * tfjs answers a failed start with `setBackend` returning false and a console warning, and then
 * carries on with `cpu`; here every failure throws with its reason instead.
 */

/** The subset of Dawn's `GPU`, `GPUAdapter` and `GPUDevice` used here. */
interface GpuLike {
  requestAdapter(options?: {
    powerPreference?: 'high-performance' | 'low-power';
  }): Promise<AdapterLike | null>;
}
interface AdapterLike {
  readonly info?: AdapterInfoFields;
  readonly isFallbackAdapter?: boolean;
}
/** Why a device was lost (`GPUDeviceLostInfo`). */
export interface DeviceLostInfo {
  /** `destroyed` or `unknown`. */
  readonly reason: string;
  readonly message: string;
}
export interface GpuDeviceLike {
  readonly lost: Promise<DeviceLostInfo>;
  destroy(): void;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  readonly globals: Record<string, unknown>;
}

export type ImportModule = (specifier: string) => Promise<unknown>;

function isDawnModule(value: unknown): value is DawnModule {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof Reflect.get(value, 'create') === 'function' &&
    typeof Reflect.get(value, 'globals') === 'object'
  );
}

/** This thread's `GPU` from Dawn, created once per loader (tests pass their own loader). */
const installed = new WeakMap<ImportModule, GpuLike>();

/** Creates Dawn's `GPU` and installs it as `navigator.gpu`, with the WebGPU globals, once per thread. */
async function installNavigatorGpu(importModule: ImportModule): Promise<GpuLike> {
  const existing = installed.get(importModule);
  if (existing !== undefined) return existing;
  const dawn = await importModule('webgpu');
  if (!isDawnModule(dawn)) throw new Error('the webgpu package did not export create() and globals');
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis))
      Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  const gpu = dawn.create([]);
  const navigator: unknown = Reflect.get(globalThis, 'navigator');
  if (typeof navigator === 'object' && navigator !== null) {
    Object.defineProperty(navigator, 'gpu', { value: gpu, configurable: true });
  } else {
    // Node 20 has no navigator (Node 21+ has one without gpu); userAgent as Node 21 writes it.
    const value = { gpu, userAgent: `Node.js/${process.versions.node.split('.')[0]}` };
    Object.defineProperty(globalThis, 'navigator', { value, configurable: true, writable: true });
  }
  installed.set(importModule, gpu);
  return gpu;
}

/**
 * Dawn reports why it found no adapter (no Vulkan loader, a driver it rejects) on the process's
 * stderr only, where JavaScript cannot read it. So the same request runs once more in a child
 * process with the same environment, and its warnings are the reason. Only on the failure path.
 */
function explainNoAdapter(): string {
  const dawn = import.meta.resolve('webgpu');
  const script = `const { create } = await import(${JSON.stringify(dawn)});
const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
process.stdout.write(adapter === null ? 'none' : 'found');
process.exit(0);`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  const lines = `${child.stderr ?? ''}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('at '));
  if (lines.length > 0) return lines.join(' | ');
  if (child.error !== undefined) return `the diagnosis could not run: ${child.error.message}`;
  return 'Dawn gave no reason';
}

/**
 * Loads Dawn, installs `navigator.gpu` and asks for the high-performance adapter (the one
 * tfjs-backend-webgpu will ask for). Throws with Dawn's reason when there is none.
 */
export async function inspectWebGpu(importModule: ImportModule): Promise<AdapterDescription> {
  const gpu = await installNavigatorGpu(importModule);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) {
    throw new Error(
      `no WebGPU adapter (Dawn: ${explainNoAdapter()}); without a GPU, run scripts/lavapipe.sh and ` +
        'start with its VK_ICD_FILENAMES and LD_LIBRARY_PATH',
    );
  }
  // Dawn's GPUAdapterInfo has its fields as getters on the prototype: read each one.
  const info: AdapterInfoFields = adapter.info ?? {};
  return adapterDescription({
    ...(info.vendor === undefined ? {} : { vendor: info.vendor }),
    ...(info.architecture === undefined ? {} : { architecture: info.architecture }),
    ...(info.device === undefined ? {} : { device: info.device }),
    ...(info.description === undefined ? {} : { description: info.description }),
    isFallbackAdapter: info.isFallbackAdapter === true || adapter.isFallbackAdapter === true,
  });
}

/** Loads tfjs-backend-webgpu (after {@link inspectWebGpu}) and makes `webgpu` this thread's backend. */
export async function activateWebGpu(importModule: ImportModule): Promise<void> {
  await importModule('@tensorflow/tfjs-backend-webgpu');
  const factory = tf.findBackendFactory('webgpu');
  if (factory === null) {
    throw new Error('tfjs-backend-webgpu did not register: it was loaded before navigator.gpu was installed');
  }
  if (await tf.setBackend('webgpu')) {
    await tf.ready();
    return;
  }
  // tfjs swallowed the error into a console warning; run the factory once more for the reason.
  let reason = 'no reason given';
  try {
    const backend = await factory();
    backend.dispose();
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  }
  throw new Error(`tf.setBackend('webgpu') returned false: ${reason}`);
}

/** The GPU device of this thread's tfjs backend, or null when the backend is not `webgpu`. */
export function webGpuDevice(): GpuDeviceLike | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const device: unknown = Reflect.get(tf.backend(), 'device');
  if (typeof device !== 'object' || device === null || !(Reflect.get(device, 'lost') instanceof Promise)) {
    return null;
  }
  return device as GpuDeviceLike;
}

/**
 * Disposes this thread's `webgpu` backend and destroys its device, keeping the backend registered
 * so a later selection can start it again (the module registers only once per thread).
 */
export function releaseWebGpu(): void {
  const device = webGpuDevice();
  const factory = tf.findBackendFactory('webgpu');
  if (factory === null) return;
  tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', factory, WEBGPU_PRIORITY);
  device?.destroy();
}

/** The priority tfjs-backend-webgpu registers with (its `base.ts`). */
const WEBGPU_PRIORITY = 3;
