import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defaultNativeAddonPath,
  loadNativeKernels,
  type NativeKernels,
  selectBackend,
} from '../../../src/backend/index.js';
import { checkNativeKernels } from '../../../src/backend/native-check.js';
import { checkNeuralGpuKernels } from '../../../src/backend/native-check-ngpu.js';
import { checkNramKernels } from '../../../src/backend/native-check-nram.js';
import { describeNative } from '../../helpers/native.js';

describe('loading the native addon', () => {
  it('says it is not built, and how to build it, when the file is missing', () => {
    expect(() => loadNativeKernels('/nonexistent/gradnoise_native.node')).toThrow(
      'the native addon is not built (no /nonexistent/gradnoise_native.node); build it with npm run build:native',
    );
  });

  it('says a file that is no addon does not load', () => {
    expect(() => loadNativeKernels(new URL('../../../package.json', import.meta.url).pathname)).toThrow(
      /is not gradnoise's native addon$/,
    );
  });

  it('is looked for in native/build/Release of the installation', () => {
    expect(defaultNativeAddonPath()).toBe(
      new URL('../../../native/build/Release/gradnoise_native.node', import.meta.url).pathname,
    );
  });
});

describeNative('the native addon', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('loads, passes its check, runs OpenBLAS on one thread, and starts as native over wasm', async () => {
    const kernels = loadNativeKernels();
    expect(kernels.blasThreads()).toBe(1);
    expect(kernels.blasConfig()).toMatch(/^OpenBLAS /);
    const selection = await selectBackend('native');
    expect(selection).toMatchObject({ name: 'native', tfjsName: 'wasm', rejected: [], notes: [] });
    expect(selection.device).toMatch(/\(\d+ threads\); OpenBLAS .*; tfjs on wasm$/);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('rejects arrays of the wrong type or length, naming them', () => {
    const kernels = loadNativeKernels();
    const sizes = Int32Array.of(3, 2);
    const params = [new Float32Array(6), new Float32Array(2)];
    const grads = [new Float32Array(6), new Float32Array(2)];
    const work = new Float32Array(kernels.workspaceLength(sizes, 4));
    const x = new Float32Array(12);
    const labels = Float32Array.of(1, 0, 0, 1, 1, 0, 0, 1);
    // Zero weights: every logit 0, so the loss is log 2 for each row.
    expect(kernels.step(sizes, params, x, labels, 4, grads, work)).toBeCloseTo(Math.log(2), 6);
    expect(() => kernels.step(sizes, params, x.subarray(1), labels, 4, grads, work)).toThrow(
      'gradnoise_native: x has 11 floats, needs 12',
    );
    expect(() => kernels.step(sizes, [params[0] as Float32Array], x, labels, 4, grads, work)).toThrow(
      /params must list a kernel and a bias per layer|a bias must be a Float32Array/,
    );
    expect(() =>
      kernels.step(sizes, params, x, labels, 4, [new Float32Array(5), new Float32Array(2)], work),
    ).toThrow('gradnoise_native: a kernel gradient has 5 floats, needs 6');
    expect(() => kernels.step(Int32Array.of(3, 0), params, x, labels, 4, grads, work)).toThrow(
      'gradnoise_native: every size must be at least 1',
    );
    expect(() => kernels.step(sizes, params, x, labels, 0, grads, work)).toThrow(
      'gradnoise_native: rows must be an integer of at least 1',
    );
    expect(() => kernels.step(sizes, params, x, labels, 4, grads, work.subarray(1))).toThrow(
      /^gradnoise_native: work has \d+ floats, needs \d+$/,
    );
  });

  it('fails its start-up check when its gradients are off, or when OpenBLAS runs several threads', () => {
    const kernels = loadNativeKernels();
    const off: NativeKernels = {
      ...kernels,
      workspaceLength: kernels.workspaceLength,
      step: (sizes, params, x, labels, rows, grads, work) => {
        const loss = kernels.step(sizes, params, x, labels, rows, grads, work);
        (grads[2] as Float32Array)[0] = ((grads[2] as Float32Array)[0] as number) * 1.01 + 1e-3;
        return loss;
      },
    };
    expect(() => checkNativeKernels(kernels)).not.toThrow();
    expect(() => checkNativeKernels(off)).toThrow(/^the native addon failed its check: gradients off by /);
    expect(() => checkNativeKernels({ ...kernels, blasThreads: () => 2 })).toThrow(
      'the native addon runs OpenBLAS on 2 threads, expected 1',
    );
  });

  it('fails its Neural GPU check when a term of the gradient is missing or the forward pass differs', () => {
    const kernels = loadNativeKernels();
    expect(() => checkNeuralGpuKernels(kernels)).not.toThrow();
    // The reset gate's kernel gradient dropped: the directional derivative no longer matches.
    const noReset: NativeKernels = {
      ...kernels,
      neuralGpuStep: (...args: Parameters<NativeKernels['neuralGpuStep']>) => {
        const loss = kernels.neuralGpuStep(...args);
        (args[6][3] as Float32Array).fill(0);
        return loss;
      },
    };
    expect(() => checkNeuralGpuKernels(noReset)).toThrow(
      /^the native addon failed its Neural GPU check: gradient off its finite difference by /,
    );
    const otherwise: NativeKernels = {
      ...kernels,
      neuralGpuPredict: (shape, cutoff, params, inputs, predicted, work) => {
        kernels.neuralGpuPredict(shape, cutoff, params, inputs, predicted, work);
        predicted[0] = 1 - (predicted[0] as number);
      },
    };
    expect(() => checkNeuralGpuKernels(otherwise)).toThrow(/its forward pass predicts otherwise/);
  });

  it('fails its NRAM check when a term of the gradient is missing or the forward pass differs', () => {
    const kernels = loadNativeKernels();
    expect(() => checkNramKernels(kernels)).not.toThrow();
    // The output bias's gradient dropped: the directional derivative no longer matches.
    const noBias: NativeKernels = {
      ...kernels,
      nramRun: (...args: Parameters<NativeKernels['nramRun']>) => {
        const objective = kernels.nramRun(...args);
        if (args[5].length > 0) (args[5][3] as Float32Array).fill(0);
        return objective;
      },
    };
    expect(() => checkNramKernels(noBias)).toThrow(
      /^the native addon failed its NRAM check: gradient off its finite difference by /,
    );
    const otherwise: NativeKernels = {
      ...kernels,
      nramRun: (...args: Parameters<NativeKernels['nramRun']>) => {
        const objective = kernels.nramRun(...args);
        if (args[5].length === 0) args[6][0] = ((args[6][0] as number) + 1) % 5;
        return objective;
      },
    };
    expect(() => checkNramKernels(otherwise)).toThrow(/its forward pass scores otherwise/);
  });
});
