import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { type BackendPreference, selectBackend } from '../../../src/backend/index.js';

/** An addon path with nothing there: the native backend is then unavailable, as where it is not built. */
const NO_ADDON = '/nonexistent/gradnoise_native.node';

describe('selectBackend', () => {
  it('falls back to wasm without the native addon and says why each faster backend failed', async () => {
    const selection = await selectBackend('auto', { nativeAddon: NO_ADDON });
    expect(selection.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(selection).toMatchObject({ software: false, deviceLost: null, notes: [] });
    expect(selection.device).toMatch(/\(\d+ threads\)$/);
    expect(selection.rejected.map((r) => r.name)).toEqual([
      'webgpu',
      'tensorflow-gpu',
      'tensorflow',
      'native',
    ]);
    expect(selection.rejected[3]?.reason).toBe(
      `the native addon is not built (no ${NO_ADDON}); build it with npm run build:native ` +
        '(needs a C compiler, make, python3 and libopenblas-dev)',
    );
    // No GPU here: no adapter at all, or lavapipe's, which auto never takes.
    expect(selection.rejected[0]?.reason).toMatch(
      /^no WebGPU adapter \(Dawn: |a software adapter is a correctness path/,
    );
    for (const rejected of selection.rejected.slice(1, 3)) {
      // The optional dependency is absent here, or installed without its native binding (the
      // install script's libtensorflow download is blocked).
      expect(rejected.reason).toMatch(
        /Cannot find (package|module) '@tensorflow\/tfjs-node|native addon module \(tfjs_binding\.node\) can not be found/,
      );
    }
    // Nothing of the failed packages stays registered.
    expect(tf.getKernelsForBackend('tensorflow')).toEqual([]);
    // The backend computes.
    const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync());
    expect([...sum]).toEqual([4, 6]);
  });

  it('falls back to cpu when wasm cannot load either', async () => {
    const importModule = (specifier: string): Promise<unknown> =>
      Promise.reject(new Error(`simulated: ${specifier} is broken\nsecond line`));
    const selection = await selectBackend('auto', { importModule, nativeAddon: NO_ADDON });
    expect(selection.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(selection.rejected).toEqual([
      { name: 'webgpu', reason: 'simulated: webgpu is broken' },
      { name: 'tensorflow-gpu', reason: 'simulated: @tensorflow/tfjs-node-gpu is broken' },
      { name: 'tensorflow', reason: 'simulated: @tensorflow/tfjs-node is broken' },
      { name: 'native', reason: expect.stringMatching(/^the native addon is not built/) },
      { name: 'wasm', reason: 'simulated: @tensorflow/tfjs-backend-wasm is broken' },
    ]);
  });

  it('undoes what a half-loaded package registered before it failed', async () => {
    // Like tfjs-node without its native binding: kernels and a backend registered, then the import throws.
    const importModule = async (specifier: string): Promise<unknown> => {
      if (specifier === '@tensorflow/tfjs-backend-wasm') return import(specifier);
      if (specifier === 'webgpu') throw new Error('simulated: no Dawn binding');
      tf.registerKernel({ kernelName: 'Abs', backendName: 'tensorflow', kernelFunc: () => tf.scalar(0) });
      tf.registerBackend('tensorflow', () => tf.findBackend('cpu'));
      throw new Error('The Node.js native addon module (tfjs_binding.node) can not be found');
    };
    const selection = await selectBackend('auto', { importModule, nativeAddon: NO_ADDON });
    expect(selection.name).toBe('wasm');
    expect(selection.rejected).toHaveLength(4);
    expect(tf.getKernelsForBackend('tensorflow')).toEqual([]);
    expect(tf.findBackendFactory('tensorflow')).toBeNull();
  });

  it('honours an explicit preference and fails loudly when it cannot load', async () => {
    expect((await selectBackend('cpu')).name).toBe('cpu');
    expect((await selectBackend('wasm')).rejected).toEqual([]);
    await expect(selectBackend('tensorflow')).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringMatching(/^backend tensorflow is unavailable \(tensorflow-gpu: .*; tensorflow: /),
    });
    await expect(selectBackend('gpu' as BackendPreference)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'backend: got "gpu"; allowed: auto, webgpu, tensorflow, native, wasm, cpu',
    });
  });
});
