import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { releaseBackend, selectBackend } from '../../../src/backend/index.js';
import { describeWebGpu } from '../../helpers/webgpu.js';

const run = promisify(execFile);

describeWebGpu('the webgpu backend on lavapipe', () => {
  it('starts when named, and describes its software adapter', async () => {
    const selection = await selectBackend('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(selection).toMatchObject({
      name: 'webgpu',
      tfjsName: 'webgpu',
      software: true,
      adapter: { vendor: 'mesa', architecture: 'software', software: true },
      rejected: [],
    });
    expect(selection.device).toMatch(/^mesa software: llvmpipe.* \(software adapter\)$/);
    // It computes, and reads back asynchronously (tfjs's dataSync needs a browser canvas).
    const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])));
    expect([...(await sum.data())]).toEqual([4, 6]);
    sum.dispose();
    releaseBackend(selection);
  });

  it('is passed by under auto: lavapipe is never chosen unasked', async () => {
    // No native addon here, so that auto comes down to wasm whether or not it is built.
    const selection = await selectBackend('auto', { nativeAddon: '/nonexistent/gradnoise_native.node' });
    expect(selection.name).toBe('wasm');
    expect(selection.rejected[0]?.name).toBe('webgpu');
    expect(selection.rejected[0]?.reason).toMatch(
      /^adapter mesa software: llvmpipe.*used only when GRADNOISE_BACKEND=webgpu/,
    );
  });

  it('reports a lost device with its reason', async () => {
    const selection = await selectBackend('webgpu');
    const device = Reflect.get(tf.backend(), 'device') as { destroy(): void };
    device.destroy();
    await expect(selection.deviceLost).resolves.toMatchObject({ reason: 'destroyed' });
    releaseBackend(selection);
    // A new selection starts a new device.
    const again = await selectBackend('webgpu');
    const t = tf.scalar(3);
    expect([...(await t.square().data())]).toEqual([9]);
    t.dispose();
    releaseBackend(again);
  });

  it('fails at once with Dawn’s reason when there is no adapter', async () => {
    // A process without lavapipe's environment: Dawn finds no Vulkan driver.
    const script = `import('./src/backend/index.ts').then((m) => m.selectBackend('webgpu')).then(
      () => console.log('selected'), (e) => console.log(e.code + ': ' + e.message))`;
    const env = { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json', LD_LIBRARY_PATH: '' };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', script], {
      env,
      timeout: 60_000,
    });
    expect(stdout.trim()).toMatch(
      /^FAILED_PRECONDITION: backend webgpu is unavailable \(webgpu: no WebGPU adapter \(Dawn: .*(Vulkan|vulkan|ICD|driver).*\); without a GPU, run scripts\/lavapipe\.sh/,
    );
  });
});
