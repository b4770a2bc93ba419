import { Worker } from 'node:worker_threads';
import { expect, it } from 'vitest';
import { defaultNativeAddonPath, loadNativeKernels } from '../../../src/backend/index.js';
import { describeNative } from '../../helpers/native.js';

/**
 * Training runs one worker thread per core, each calling OpenBLAS from its own thread. Two threads
 * stepping the paper's network at once must get, bit for bit, the gradients one thread gets alone
 * (OpenBLAS shares its buffers between callers: a race there would show here).
 */

/** Steps the 20 × 50 network `steps` times on fixed values; returns the last gradients' bits. */
const STEPPER = `
const { workerData, parentPort } = require('node:worker_threads');
const addon = require(workerData.path);
const sizes = Int32Array.from([784, ...Array(20).fill(50), 10]);
const value = (i, salt) => Math.sin(i * 0.37 + salt) * 0.2;
const params = [], grads = [];
for (let l = 0; l + 1 < sizes.length; l++) {
  params.push(Float32Array.from({ length: sizes[l] * sizes[l + 1] }, (_, i) => value(i, l)), new Float32Array(sizes[l + 1]));
  grads.push(new Float32Array(sizes[l] * sizes[l + 1]), new Float32Array(sizes[l + 1]));
}
const x = Float32Array.from({ length: 100 * 784 }, (_, i) => 0.5 + 0.5 * Math.sin(i));
const y = new Float32Array(1000);
for (let r = 0; r < 100; r++) y[r * 10 + ((r * r) % 10)] = 1;
const work = new Float32Array(addon.workspaceLength(sizes, 100));
for (let s = 0; s < workerData.steps; s++) addon.step(sizes, params, x, y, 100, grads, work);
parentPort.postMessage(grads.map((g) => Array.from(new Uint32Array(g.buffer))));
`;

function stepInThread(steps: number): Promise<number[][]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(STEPPER, { eval: true, workerData: { path: defaultNativeAddonPath(), steps } });
    worker.once('message', (bits: number[][]) => {
      void worker.terminate();
      resolve(bits);
    });
    worker.once('error', reject);
  });
}

describeNative('the native addon in several threads', () => {
  it('gives two threads stepping at once the gradients of one thread alone', async () => {
    loadNativeKernels();
    const alone = await stepInThread(5);
    const [a, b] = await Promise.all([stepInThread(200), stepInThread(200)]);
    expect(a).toEqual(alone);
    expect(b).toEqual(alone);
  }, 120_000);
});
