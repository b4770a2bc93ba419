import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import {
  defaultNativeAddonPath,
  loadNativeKernels,
  type NativeKernels,
  selectBackend,
} from '../../src/backend/index.js';

/**
 * The `native` backend's tests need its addon, built by `npm run build:native` (a C compiler and
 * libopenblas-dev). Without it they skip, with the reason in the suite's name. CI builds it and
 * sets `GRADNOISE_REQUIRE_NATIVE=1`, which turns the skip into a failure, so a broken build cannot
 * pass CI quietly.
 */

/** Why the native tests cannot run here, or null when they can. */
export function nativeUnavailable(): string | null {
  const path = defaultNativeAddonPath();
  return existsSync(path) ? null : `the native addon is not built (${path}): run npm run build:native`;
}

/** `describe` for a native suite: skipped with the reason, or failing under GRADNOISE_REQUIRE_NATIVE=1. */
export function describeNative(name: string, body: () => void): void {
  const reason = nativeUnavailable();
  if (reason !== null && process.env.GRADNOISE_REQUIRE_NATIVE === '1') {
    throw new Error(`${name}: GRADNOISE_REQUIRE_NATIVE=1 but ${reason}`);
  }
  if (reason === null) {
    describe(name, body);
    return;
  }
  console.warn(`skipping "${name}": ${reason}`);
  describe.skip(`${name} (skipped: ${reason})`, body);
}

/**
 * Inside a {@link describeNative} body: selects the `native` backend (tfjs on wasm) before the
 * suite and `cpu` after it. Returns a getter of this thread's checked addon, valid in the tests.
 */
export function useNativeBackend(): () => NativeKernels {
  let kernels: NativeKernels | null = null;
  beforeAll(async () => {
    expect(await selectBackend('native')).toMatchObject({ name: 'native', tfjsName: 'wasm' });
    kernels = loadNativeKernels();
  });
  afterAll(async () => {
    await selectBackend('cpu');
  });
  return () => {
    if (kernels === null) throw new Error('the native backend is selected in beforeAll');
    return kernels;
  };
}
