/**
 * What a WebGPU adapter says about itself (`GPUAdapter.info`), reduced to what the service logs,
 * stores on runs and exports in `gradnoise_backend_info`.
 */
export interface AdapterDescription {
  /** e.g. `nvidia`, `mesa`; empty when the driver does not say. */
  readonly vendor: string;
  /** e.g. `ampere`, `software`. */
  readonly architecture: string;
  /** The driver's description, e.g. `llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)`. */
  readonly description: string;
  /** True for a software rasteriser (lavapipe/llvmpipe, SwiftShader): see {@link isSoftwareAdapter}. */
  readonly software: boolean;
}

/** The fields of `GPUAdapterInfo` read here (Dawn's Node binding fills all of them). */
export interface AdapterInfoFields {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

const SOFTWARE_WORDS = /\b(software|llvmpipe|lavapipe|swiftshader)\b/i;

/**
 * True when the adapter computes on the CPU: WebGPU's fallback adapter flag, or an architecture,
 * device or description naming a software rasteriser. Dawn marks lavapipe as a fallback adapter,
 * but older drivers and bindings leave the flag out, so the words are checked too.
 */
export function isSoftwareAdapter(info: AdapterInfoFields): boolean {
  if (info.isFallbackAdapter === true) return true;
  return [info.architecture, info.device, info.description].some((s) => SOFTWARE_WORDS.test(s ?? ''));
}

/** The description of `info` (missing fields become empty strings). */
export function adapterDescription(info: AdapterInfoFields): AdapterDescription {
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    description: (info.description ?? '') || (info.device ?? ''),
    software: isSoftwareAdapter(info),
  };
}

/**
 * One line naming the adapter, the `device` of a run: `mesa software: llvmpipe: Mesa 25.0.7
 * (software adapter)`. Empty fields are left out.
 */
export function describeAdapter(adapter: AdapterDescription): string {
  const head = [adapter.vendor, adapter.architecture].filter((s) => s !== '').join(' ');
  const line = [head, adapter.description].filter((s) => s !== '').join(': ') || 'unnamed adapter';
  return adapter.software ? `${line} (software adapter)` : line;
}
