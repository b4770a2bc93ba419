import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DeviceLostInfo, selectBackend } from '../../../src/backend/index.js';
import { decodeCheckpoint } from '../../../src/checkpoint/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec } from '../../../src/runs/compile-spec.js';
import { runJob } from '../../../src/runs/worker/loop.js';
import type { FromWorker } from '../../../src/runs/worker/protocol.js';

/**
 * A GPU device lost mid-run, simulated through the loop's `deviceLost` probe (the real one is the
 * webgpu device's `lost` promise, `src/runs/worker/entry.ts`): the attempt ends RETRY with the
 * reason and writes nothing after the loss, so the next attempt resumes from the last checkpoint.
 */

const spec = compileRunSpec(
  {
    trainer: 'smoke',
    optimizer: { kind: 'adam', learningRate: 0.01 },
    noise: { eta: 0.3 },
    seed: 7,
    maxSteps: 20,
    evalEvery: 5,
    checkpointEvery: 4,
  },
  ANY_DATA_DIR,
);

const LOST: DeviceLostInfo = { reason: 'unknown', message: 'simulated: the driver reset the GPU' };

/** One attempt whose device is lost once `lostAfter` steps have posted their points. */
async function attempt(lostAfter: number, checkpoint: Uint8Array | null = null) {
  const messages: FromWorker[] = [];
  let lost: DeviceLostInfo | null = null;
  const outcome = await runJob(
    { runId: 'run-1', attempt: 1, spec, control: new SharedArrayBuffer(4), checkpoint },
    {
      backend: 'wasm',
      flushIntervalMs: 1_000_000,
      flushPoints: 1,
      dataRoots: ANY_DATA_DIR,
      deviceLost: () => lost,
    },
    (message) => {
      messages.push(message);
      if (message.type === 'metrics' && message.step >= lostAfter) lost = LOST;
    },
  );
  return { outcome, messages };
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('a device lost mid-run', () => {
  it('ends the attempt RETRY with the reason, writing nothing after it', async () => {
    const before = tf.memory().numTensors;
    const { outcome, messages } = await attempt(10);
    expect(outcome).toEqual({
      status: 'RETRY',
      error: 'webgpu device lost (unknown): simulated: the driver reset the GPU',
    });
    expect(tf.memory().numTensors).toBe(before);
    const checkpoints = messages.flatMap((m) => (m.type === 'checkpoint' ? [m.step] : []));
    expect(checkpoints).toEqual([4, 8]);
    const lastStep = Math.max(...messages.flatMap((m) => (m.type === 'metrics' ? [m.step] : [])));
    expect(lastStep).toBe(10);
    expect(messages.at(-1)).toMatchObject({ type: 'finished', step: 10, outcome });
  });

  it('resumes from its last checkpoint on the next attempt', async () => {
    const first = await attempt(10);
    const last = first.messages.flatMap((m) => (m.type === 'checkpoint' ? [m] : [])).at(-1);
    expect(decodeCheckpoint(last?.bytes ?? new Uint8Array()).step).toBe(8);
    const second = await attempt(Number.POSITIVE_INFINITY, last?.bytes ?? null);
    expect(second.outcome).toEqual({ status: 'COMPLETED', endReason: 'BUDGET' });
    expect(second.messages[0]).toMatchObject({ type: 'started', startStep: 8 });
  });

  it('is the cause even when the lost device made the step fail first', async () => {
    // A read of a lost device rejects: here the loss shows as a failing read of step 3's loss,
    // before the loop's check between steps sees it.
    const backend = tf.engine().backend;
    let lost: DeviceLostInfo | null = null;
    try {
      const outcome = await runJob(
        { runId: 'run-1', attempt: 1, spec, control: new SharedArrayBuffer(4), checkpoint: null },
        {
          backend: 'wasm',
          flushIntervalMs: 1_000_000,
          flushPoints: 1,
          dataRoots: ANY_DATA_DIR,
          deviceLost: () => lost,
        },
        (message) => {
          if (message.type !== 'metrics' || message.step !== 2) return;
          lost = LOST;
          Object.defineProperty(backend, 'read', {
            value: () => Promise.reject(new Error('mapAsync: device lost')),
            configurable: true,
          });
        },
      );
      expect(outcome).toEqual({ status: 'RETRY', error: `webgpu device lost (unknown): ${LOST.message}` });
    } finally {
      Reflect.deleteProperty(backend, 'read');
    }
  });
});
