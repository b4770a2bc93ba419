import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/backend/index.js';
import { decodeCheckpoint } from '../../../src/checkpoint/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec, type RunRequest } from '../../../src/runs/compile-spec.js';
import type { FromWorker } from '../../../src/runs/worker/protocol.js';
import { postedCheckpoints, postedPoints, runInProcess } from '../../helpers/run-job.js';

/** Learning-rate schedules in the training loop: applied per step, reported, and resumed exactly. */

const run = (request: RunRequest, checkpoint: Uint8Array | null = null) =>
  runInProcess(compileRunSpec(request, ANY_DATA_DIR), { checkpoint });

const points = postedPoints;
const checkpoints = postedCheckpoints;
const series = (messages: FromWorker[], name: string) =>
  points(messages)
    .filter((p) => p.name === name)
    .map((p) => [p.step, p.value]);
const modelBytes = (bytes: Uint8Array) =>
  decodeCheckpoint(bytes).model.map((t) => ({ name: t.name, bytes: Buffer.from(t.values.buffer) }));

const base: RunRequest = {
  trainer: 'smoke',
  optimizer: { kind: 'adam', learningRate: 0.08 },
  noise: { eta: 0.3 },
  seed: 5,
  maxSteps: 24,
  evalEvery: 2,
  checkpointEvery: 6,
};

/** Patience 0 and a strict min_delta: the training loss rarely improves enough, so the rate decays. */
const plateau: RunRequest = {
  ...base,
  lrSchedule: { kind: 'plateau', metric: 'train_loss', patience: 0, minDelta: 0.05, factor: 0.5 },
};

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('learning-rate schedules in the loop', () => {
  it('a constant schedule reports no learning_rate; a step decay reports the rate of each step', async () => {
    expect(series((await run(base)).messages, 'learning_rate')).toEqual([]);
    const { outcome, messages } = await run({
      ...base,
      lrSchedule: { kind: 'step', everySteps: 10, factor: 0.5 },
    });
    expect(outcome).toMatchObject({ status: 'COMPLETED' });
    // The point of step s + 1 is the rate trainStep(s) ran at.
    expect(series(messages, 'learning_rate')).toEqual(
      Array.from({ length: 24 }, (_, s) => [s + 1, 0.08 * 0.5 ** Math.floor(s / 10)]),
    );
  });

  it('the rate changes the training: a step decay trains other weights than a constant rate', async () => {
    const finalOf = (m: FromWorker[]) => modelBytes(checkpoints(m).at(-1)?.bytes ?? new Uint8Array());
    const constant = finalOf((await run(base)).messages);
    const decayed = finalOf((await run({ ...base, lrSchedule: { kind: 'step', everySteps: 3 } })).messages);
    expect(decayed).not.toEqual(constant);
  });

  it('a plateau schedule keeps its state in checkpoints and resumes bit for bit', async () => {
    const straight = await run(plateau);
    expect(straight.outcome).toMatchObject({ status: 'COMPLETED' });
    const rates = series(straight.messages, 'learning_rate').map(([, v]) => v);
    expect(new Set(rates).size).toBeGreaterThan(2);

    const atTwelve = checkpoints(straight.messages).find((c) => c.step === 12)?.bytes ?? new Uint8Array();
    const state = decodeCheckpoint(atTwelve).lrSchedule;
    // The state is not the initial one, so a resume that lost it would train differently.
    expect(state.scale).toBeLessThan(1);
    expect(state.best).not.toBeNull();

    const resumed = await run(plateau, atTwelve);
    expect(resumed.outcome).toMatchObject({ status: 'COMPLETED' });
    const finalOf = (m: FromWorker[]) => checkpoints(m).at(-1)?.bytes ?? new Uint8Array();
    expect(modelBytes(finalOf(resumed.messages))).toEqual(modelBytes(finalOf(straight.messages)));
    expect(decodeCheckpoint(finalOf(resumed.messages)).lrSchedule).toEqual(
      decodeCheckpoint(finalOf(straight.messages)).lrSchedule,
    );
    const after12 = (m: FromWorker[]) =>
      points(m)
        .filter((p) => p.step > 12)
        .map(({ step, name, value }) => ({ step, name, value }));
    expect(after12(resumed.messages)).toEqual(after12(straight.messages));
  });
});
