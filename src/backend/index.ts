/**
 * The tfjs backend of a thread: the one order of `auto` (`order.ts`), starting and checking each
 * candidate (`select.ts`), and WebGPU through Dawn's Node binding (`webgpu.ts`).
 */
export {
  type AdapterDescription,
  adapterDescription,
  describeAdapter,
  isSoftwareAdapter,
} from './adapter.js';
export { defaultNativeAddonPath, loadNativeKernels, nativeKernels } from './native.js';
export type { NativeKernels } from './native-kernels.js';
export { cpuFlags, openBlasCoreFor, openBlasCoreType } from './openblas-core.js';
export {
  BACKEND_PREFERENCES,
  BACKEND_TIERS,
  type BackendDecision,
  type BackendDriver,
  type BackendFacts,
  type BackendName,
  type BackendPreference,
  candidatesFor,
  judge,
  type RejectedBackend,
  type Verdict,
  walkBackends,
} from './order.js';
export { type BackendSelection, releaseBackend, type SelectBackendOptions, selectBackend } from './select.js';
export type { DeviceLostInfo } from './webgpu.js';
