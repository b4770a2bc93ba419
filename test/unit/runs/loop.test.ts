import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/backend/index.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../../src/checkpoint/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec, type RunRequest } from '../../../src/runs/compile-spec.js';
import { runJob } from '../../../src/runs/worker/loop.js';
import { Control, type FromWorker, type RunOutcome } from '../../../src/runs/worker/protocol.js';

type Message = FromWorker;

async function run(
  request: RunRequest,
  options: { checkpoint?: Uint8Array; controlAfterStep?: { step: number; value: number } } = {},
): Promise<{ outcome: RunOutcome; messages: Message[] }> {
  const spec = compileRunSpec(request, ANY_DATA_DIR);
  const control = new SharedArrayBuffer(4);
  const word = new Int32Array(control);
  const messages: Message[] = [];
  const outcome = await runJob(
    { runId: 'run-1', attempt: 1, spec, control, checkpoint: options.checkpoint ?? null },
    { backend: 'wasm', flushIntervalMs: 1_000_000, flushPoints: 40, dataRoots: ANY_DATA_DIR },
    (message) => {
      messages.push(message);
      const trigger = options.controlAfterStep;
      if (message.type === 'metrics' && trigger && message.step >= trigger.step)
        Atomics.store(word, 0, trigger.value);
    },
  );
  return { outcome, messages };
}

const points = (messages: Message[]) => messages.flatMap((m) => (m.type === 'metrics' ? m.points : []));
const checkpoints = (messages: Message[]) => messages.flatMap((m) => (m.type === 'checkpoint' ? [m] : []));
const modelBytes = (bytes: Uint8Array) =>
  decodeCheckpoint(bytes).model.map((t) => ({ name: t.name, bytes: Buffer.from(t.values.buffer) }));

const base: RunRequest = {
  trainer: 'smoke',
  optimizer: { kind: 'adam', learningRate: 0.01 },
  noise: { eta: 0.3 },
  seed: 7,
  maxSteps: 24,
  evalEvery: 8,
  checkpointEvery: 6,
};

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('the training loop', () => {
  it('trains to maxSteps, with per-step and eval points, periodic checkpoints, and no leaked tensor', async () => {
    const before = tf.memory().numTensors;
    const { outcome, messages } = await run(base);
    expect(outcome).toEqual({ status: 'COMPLETED', endReason: 'BUDGET' });
    expect(tf.memory().numTensors).toBe(before);
    const all = points(messages);
    const loss = all.filter((p) => p.name === 'loss').map((p) => p.step);
    expect(loss).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(all.filter((p) => p.name === 'noise_std')).toHaveLength(24);
    expect(all.filter((p) => p.name === 'test_accuracy').map((p) => p.step)).toEqual([8, 16, 24]);
    expect(checkpoints(messages).map((c) => c.step)).toEqual([6, 12, 18, 24]);
    const last = messages.at(-1);
    expect(last).toMatchObject({
      type: 'finished',
      step: 24,
      leakedTensors: 0,
      outcome: { status: 'COMPLETED', endReason: 'BUDGET' },
    });
    // Each point once: (name, step) unique.
    expect(new Set(all.map((p) => `${p.name}@${p.step}`)).size).toBe(all.length);
    // A metrics batch carries at most flushPoints + one step's points, and every step's timing.
    expect(messages.flatMap((m) => (m.type === 'metrics' ? m.stepSeconds : []))).toHaveLength(24);
  });

  it('resumes from a checkpoint bit-identically to an uninterrupted run', async () => {
    const straight = await run(base);
    const atTwelve = checkpoints(straight.messages).find((c) => c.step === 12);
    expect(atTwelve).toBeDefined();
    const resumed = await run(base, { checkpoint: atTwelve?.bytes ?? new Uint8Array() });
    expect(resumed.messages[0]).toMatchObject({ type: 'started', startStep: 12, checkpointBackend: 'wasm' });
    const finalOf = (messages: Message[]) => checkpoints(messages).at(-1)?.bytes ?? new Uint8Array();
    expect(modelBytes(finalOf(resumed.messages))).toEqual(modelBytes(finalOf(straight.messages)));
    // The resumed attempt recomputes exactly the points after step 12.
    const pointsAfter12 = (messages: Message[]) =>
      points(messages)
        .filter((p) => p.step > 12)
        .map((p) => [p.step, p.name, p.value]);
    expect(pointsAfter12(resumed.messages)).toEqual(pointsAfter12(straight.messages));
    expect(Math.min(...points(resumed.messages).map((p) => p.step))).toBe(13);
  });

  it('trains with the generator the spec names, and a checkpoint resumes only with the same one', async () => {
    const ziggurat: RunRequest = { ...base, noise: { eta: 0.3, generator: 'ziggurat' } };
    const [boxMuller, straight] = [await run(base), await run(ziggurat)];
    const finalOf = (messages: Message[]) => checkpoints(messages).at(-1)?.bytes ?? new Uint8Array();
    // The same seed and step with other normals: other weights.
    expect(modelBytes(finalOf(straight.messages))).not.toEqual(modelBytes(finalOf(boxMuller.messages)));
    expect(decodeCheckpoint(finalOf(straight.messages)).spec.noise.generator).toBe('ziggurat');
    const atTwelve = checkpoints(straight.messages).find((c) => c.step === 12)?.bytes ?? new Uint8Array();
    const resumed = await run(ziggurat, { checkpoint: atTwelve });
    expect(modelBytes(finalOf(resumed.messages))).toEqual(modelBytes(finalOf(straight.messages)));
    const { outcome: refused } = await run(base, { checkpoint: atTwelve });
    expect(refused).toMatchObject({
      status: 'FAILED',
      error: expect.stringContaining(
        'noise generator ziggurat, stream version 2) does not belong to this run',
      ),
    });
    // What an older replica writes for a box-muller run it claimed: the spec it was given, but
    // drawn from the ziggurat, the only generator it has (its noise_state names no generator,
    // which reads as ziggurat: test/unit/checkpoint/layout.test.ts).
    const decoded = decodeCheckpoint(atTwelve);
    const olderReplica = encodeCheckpoint({ ...decoded, spec: compileRunSpec(base, ANY_DATA_DIR) }).bytes;
    expect(decodeCheckpoint(olderReplica).noise.generator).toBe('ziggurat');
    const { outcome: mixed } = await run(base, { checkpoint: olderReplica });
    expect(mixed).toMatchObject({ status: 'FAILED', error: expect.stringContaining('does not belong') });
  });

  it('cancel and suspend checkpoint the current step and stop', async () => {
    const cancelled = await run(
      { ...base, checkpointEvery: 100 },
      { controlAfterStep: { step: 5, value: Control.cancel } },
    );
    expect(cancelled.outcome).toEqual({ status: 'CANCELLED' });
    const [final] = checkpoints(cancelled.messages);
    expect(final?.step).toBeGreaterThanOrEqual(5);
    expect(final?.step).toBeLessThan(24);
    expect(decodeCheckpoint(final?.bytes ?? new Uint8Array()).noise.step).toBe(final?.step);

    const rare = { ...base, checkpointEvery: 100 };
    const suspended = await run(rare, { controlAfterStep: { step: 1, value: Control.suspend } });
    expect(suspended.outcome).toEqual({ status: 'SUSPENDED' });
    expect(checkpoints(suspended.messages).length).toBe(1);

    const aborted = await run(rare, { controlAfterStep: { step: 1, value: Control.abort } });
    expect(aborted.outcome).toEqual({ status: 'ABORTED' });
    expect(checkpoints(aborted.messages)).toEqual([]);
  });

  it('fails with the step and the metric when the loss becomes non-finite', async () => {
    const before = tf.memory().numTensors;
    const { outcome, messages } = await run({
      ...base,
      optimizer: { kind: 'sgd', learningRate: 1e30 },
      noise: { eta: 0 },
    });
    expect(outcome.status).toBe('FAILED');
    expect(outcome).toMatchObject({
      error: expect.stringMatching(/^step \d+: loss is (NaN|Infinity|-Infinity); /),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(points(messages).every((p) => Number.isFinite(p.value))).toBe(true);
  });

  it('fails cleanly on a bad trainer or a foreign checkpoint', async () => {
    const spec = compileRunSpec(base, ANY_DATA_DIR);
    const messages: Message[] = [];
    const outcome = await runJob(
      {
        runId: 'x',
        attempt: 1,
        spec: { ...spec, trainer: 'nope' },
        control: new SharedArrayBuffer(4),
        checkpoint: null,
      },
      { backend: 'wasm', flushIntervalMs: 50, flushPoints: 500, dataRoots: ANY_DATA_DIR },
      (m) => messages.push(m),
    );
    expect(outcome).toMatchObject({
      status: 'FAILED',
      error: expect.stringContaining('trainer: got "nope"'),
    });
    expect(messages).toEqual([{ type: 'finished', runId: 'x', step: 0, outcome, leakedTensors: 0 }]);

    const other = await run({ ...base, seed: 8, maxSteps: 6 });
    const foreign = checkpoints(other.messages)[0]?.bytes ?? new Uint8Array();
    const { outcome: refused } = await run(base, { checkpoint: foreign });
    expect(refused).toMatchObject({
      status: 'FAILED',
      error: expect.stringContaining('does not belong to this run'),
    });
  });
});
