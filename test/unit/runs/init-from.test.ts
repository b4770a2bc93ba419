import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/backend/index.js';
import { decodeCheckpoint } from '../../../src/checkpoint/index.js';
import { runStreams } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { createInnerOptimizer, createNoisyOptimizer } from '../../../src/optim/index.js';
import { compileRunSpec, type RunRequest } from '../../../src/runs/compile-spec.js';
import { applyInitFrom } from '../../../src/runs/worker/init-from.js';
import type { RunInit } from '../../../src/runs/worker/protocol.js';
import { builtinTrainers } from '../../../src/trainers/index.js';
import { postedCheckpoints, postedPoints, runInProcess } from '../../helpers/run-job.js';

// The paper's MLP (§4.1), small: 2 × 8 ReLU units on 200 digits, batch 25, so 8 steps an epoch and
// the fork crosses an epoch. Adam has slots and a step schedule has state, so a fork must carry both.
const PARENT: RunRequest = {
  trainer: 'mlp',
  trainerConfig: {
    depth: 2,
    width: 8,
    batchSize: 25,
    data: { source: 'mnist', trainSize: 200, testSize: 50 },
  },
  optimizer: { kind: 'adam', learningRate: 0.01 },
  noise: { eta: 0.3 },
  lrSchedule: { kind: 'step', everySteps: 5, factor: 0.5 },
  seed: 5,
  maxSteps: 14,
  evalEvery: 7,
  checkpointEvery: 4,
};
const spec = (overrides: Partial<RunRequest> = {}) =>
  compileRunSpec({ ...PARENT, ...overrides }, ANY_DATA_DIR);
const tensors = (bytes: Uint8Array | undefined, part: 'model' | 'optimizer') =>
  decodeCheckpoint(bytes ?? new Uint8Array())[part].map((t) => [
    t.name,
    t.shape,
    Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength),
  ]);

let parent: Awaited<ReturnType<typeof runInProcess>>;
/** The parent's checkpoint at `step` as a job's init_from. */
const initAt = (step: number, mode: RunInit['mode']): RunInit => {
  const found = postedCheckpoints(parent.messages).find((c) => c.step === step);
  if (found === undefined) throw new Error(`no checkpoint at step ${step}`);
  return { runId: 'parent', step, mode, checkpoint: found.bytes };
};

beforeAll(async () => {
  await selectBackend('wasm');
  parent = await runInProcess(spec(), { runId: 'parent' });
  expect(parent.outcome).toEqual({ status: 'COMPLETED', endReason: 'BUDGET' });
});

describe('a fork (init_from, mode FULL)', () => {
  it('continues from step k and reaches bit for bit the parent’s step N, weights, optimizer slots and points', async () => {
    const fork = await runInProcess(spec(), { runId: 'fork', init: initAt(4, 'FULL') });
    expect(fork.outcome).toEqual({ status: 'COMPLETED', endReason: 'BUDGET' });
    expect(fork.messages[0]).toMatchObject({ type: 'started', startStep: 4, checkpointBackend: 'wasm' });
    const last = (run: typeof parent) => postedCheckpoints(run.messages).at(-1)?.bytes;
    expect(postedCheckpoints(fork.messages).map((c) => c.step)).toEqual([8, 12, 14]);
    expect(tensors(last(fork), 'model')).toEqual(tensors(last(parent), 'model'));
    expect(tensors(last(fork), 'optimizer')).toEqual(tensors(last(parent), 'optimizer'));
    expect(decodeCheckpoint(last(fork) ?? new Uint8Array()).noise).toEqual(
      decodeCheckpoint(last(parent) ?? new Uint8Array()).noise,
    );
    // Its series starts at k + 1 and is the parent's from there (learning_rate: the schedule's state).
    const values = (run: typeof parent) =>
      postedPoints(run.messages)
        .filter((p) => p.step > 4)
        .map((p) => [p.step, p.name, p.value]);
    expect(Math.min(...postedPoints(fork.messages).map((p) => p.step))).toBe(5);
    expect(values(fork)).toEqual(values(parent));
    expect(values(fork).some(([, name]) => name === 'learning_rate')).toBe(true);
    expect(fork.messages.at(-1)).toMatchObject({ type: 'finished', leakedTensors: 0 });
  });

  it('takes other settings from step k + 1 on: another learning rate gives other weights', async () => {
    const other = await runInProcess(spec({ optimizer: { kind: 'adam', learningRate: 0.05 } }), {
      init: initAt(4, 'FULL'),
    });
    expect(other.outcome.status).toBe('COMPLETED');
    const final = postedCheckpoints(other.messages).at(-1)?.bytes;
    expect(tensors(final, 'model')).not.toEqual(
      tensors(postedCheckpoints(parent.messages).at(-1)?.bytes, 'model'),
    );
  });

  it('fails before its first step when the optimizer kind differs, naming the optimizer', async () => {
    const run = await runInProcess(spec({ optimizer: { kind: 'sgd', learningRate: 0.01 } }), {
      init: initAt(8, 'FULL'),
    });
    expect(run.outcome).toMatchObject({ status: 'FAILED' });
    expect(run.outcome.status === 'FAILED' && run.outcome.error).toMatch(
      /^init_from: the optimizer state in the checkpoint of run parent at step 8 does not fit this run's optimizer \(sgd\)/,
    );
    expect(postedPoints(run.messages)).toEqual([]);
    expect(run.messages.at(-1)).toMatchObject({ type: 'finished', leakedTensors: 0 });
  });
});

describe('a fine-tune (init_from, mode WEIGHTS)', () => {
  it('starts at step 0 with the checkpoint’s weights and a fresh optimizer, noise and schedule', async () => {
    const s = spec({ optimizer: { kind: 'sgd', learningRate: 0.05 } });
    const before = tf.memory().numTensors;
    const optimizer = createNoisyOptimizer(createInnerOptimizer(s.optimizer), {
      ...s.noise,
      seed: s.seed,
      clip: s.clip,
    });
    const session = await builtinTrainers.get('mlp').create(s.trainerConfig, {
      streams: runStreams(s.seed, s.streamVersion),
      optimizer,
      backend: 'wasm',
      dataRoots: ANY_DATA_DIR,
    });
    const init = initAt(8, 'WEIGHTS');
    expect(applyInitFrom(init, s, session, optimizer)).toEqual({ step: 0, lrSchedule: null, backend: null });
    const state = session.exportState();
    const loaded = state.tensors.map((t) => [
      t.name,
      t.tensor.shape,
      Buffer.from(t.tensor.dataSync().buffer),
    ]);
    tf.dispose(state.tensors.map((t) => t.tensor));
    expect(loaded).toEqual(tensors(init.checkpoint, 'model'));
    const optimizerState = optimizer.exportState();
    expect(optimizerState).toMatchObject({ step: 0, seed: 5, skipped: 0 });
    tf.dispose(optimizerState.inner.map((t) => t.tensor));
    session.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);

    const run = await runInProcess(s, { init });
    expect(run.messages[0]).toMatchObject({ type: 'started', startStep: 0, checkpointBackend: null });
    const loss = postedPoints(run.messages).filter((p) => p.name === 'loss');
    expect(loss.map((p) => p.step)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
  });

  it('fails before its first step when a model tensor differs, naming it and both shapes', async () => {
    const wider = spec({ trainerConfig: { ...PARENT.trainerConfig, width: 16 } });
    const run = await runInProcess(wider, { init: initAt(8, 'WEIGHTS') });
    expect(run.outcome).toEqual({
      status: 'FAILED',
      error:
        'init_from: tensor model/layer0/kernel is F32 [784, 8] in the checkpoint of run parent at step 8, ' +
        'F32 [784, 16] in this run',
    });
    expect(postedPoints(run.messages)).toEqual([]);
    expect(run.messages.at(-1)).toMatchObject({ type: 'finished', leakedTensors: 0 });
  });

  it('fails when the checkpoint is of another trainer', async () => {
    const smoke = compileRunSpec({ trainer: 'smoke', maxSteps: 3 }, ANY_DATA_DIR);
    const run = await runInProcess(smoke, { init: initAt(8, 'WEIGHTS') });
    expect(run.outcome).toEqual({
      status: 'FAILED',
      error: "init_from: the checkpoint of run parent at step 8 is of trainer mlp; this run's is smoke",
    });
  });
});
