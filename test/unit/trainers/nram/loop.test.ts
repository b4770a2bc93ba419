import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/backend/index.js';
import { decodeCheckpoint } from '../../../../src/checkpoint/index.js';
import { ANY_DATA_DIR } from '../../../../src/data/index.js';
import { compileRunSpec, type RunRequest } from '../../../../src/runs/compile-spec.js';
import type { FromWorker } from '../../../../src/runs/worker/protocol.js';
import { postedCheckpoints, postedPoints, runInProcess } from '../../../helpers/run-job.js';

const run = (request: RunRequest, checkpoint: Uint8Array | null = null) =>
  runInProcess(compileRunSpec(request, ANY_DATA_DIR), { checkpoint });

const points = postedPoints;
const checkpoints = postedCheckpoints;

/** A curriculum that moves every other step, so the cut falls mid-curriculum. */
const request: RunRequest = {
  trainer: 'nram',
  trainerConfig: {
    memorySize: 9,
    registers: 2,
    timesteps: 3,
    hiddenSize: 8,
    batchSize: 8,
    maxListLength: 3,
    curriculumThreshold: 1,
    curriculumWindow: 2,
    entropyBonus: 0.05,
    evalExamples: 16,
  },
  seed: 11,
  maxSteps: 8,
  evalEvery: 4,
  checkpointEvery: 3,
};

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('nram through the worker loop', () => {
  it('trains with the paper defaults (Adam, clip, η = 0.01) and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const { outcome, messages } = await run(request);
    expect(outcome).toEqual({ status: 'COMPLETED', endReason: 'BUDGET' });
    expect(tf.memory().numTensors).toBe(before);
    const names = new Set(points(messages).map((p) => p.name));
    for (const name of [
      'loss',
      'train_accuracy',
      'curriculum_length',
      'test_accuracy',
      'test_loss',
      'noise_std',
    ]) {
      expect(names, name).toContain(name);
    }
    const spec = decodeCheckpoint(checkpoints(messages).at(-1)?.bytes ?? new Uint8Array()).spec;
    expect(spec.noise.eta).toBe(0.01);
    expect(spec.optimizer.kind).toBe('adam');
  });

  it('resumes mid-curriculum bit-identically to an uninterrupted run', async () => {
    const straight = await run(request);
    const atThree = checkpoints(straight.messages).find((c) => c.step === 3);
    expect(atThree).toBeDefined();
    const meta = decodeCheckpoint(atThree?.bytes ?? new Uint8Array()).trainerMeta as {
      curriculum: { length: number; windowSteps: number };
    };
    expect(meta.curriculum.windowSteps).toBe(1);
    const resumed = await run(request, atThree?.bytes ?? null);
    const pointsAfter3 = (messages: FromWorker[]) =>
      points(messages)
        .filter((p) => p.step > 3)
        .map((p) => [p.step, p.name, p.value]);
    expect(pointsAfter3(resumed.messages)).toEqual(pointsAfter3(straight.messages));
    const model = (messages: FromWorker[]) =>
      decodeCheckpoint(checkpoints(messages).at(-1)?.bytes ?? new Uint8Array()).model.map((t) => [
        t.name,
        Buffer.from(t.values.buffer),
      ]);
    expect(model(resumed.messages)).toEqual(model(straight.messages));
  });
});
