import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/backend/index.js';
import { readSafetensorsHeader } from '../../../src/checkpoint/index.js';
import { type RunSpec, storedRunSpec } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec } from '../../../src/runs/compile-spec.js';
import { postedCheckpoints, postedPoints, runInProcess } from '../../helpers/run-job.js';
import { comparableDigests, loadV1Fixture, V1_FIXTURES } from '../../helpers/stream-v1.js';
import { tensorDigests } from '../../helpers/stream-v1-fixtures.js';

/** New runs draw from stream version 2, resume within it exactly, and differ from version 1. */
async function train(spec: RunSpec, checkpoint: Uint8Array | null = null) {
  const { outcome, messages } = await runInProcess(spec, { checkpoint, runId: 'run-v', flushPoints: 1_000 });
  const points = postedPoints(messages).map((p) => [p.step, p.name, p.value] as const);
  const checkpoints = postedCheckpoints(messages);
  const final = checkpoints.at(-1);
  const finalWeights = final === undefined ? null : comparableDigests(tensorDigests(final.bytes));
  return { outcome, points, checkpoints, finalWeights };
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe.each(V1_FIXTURES)('stream versions of a $name run', (fixture) => {
  const v2 = compileRunSpec(fixture.request, ANY_DATA_DIR);

  it('a new run is version 2, records it in its checkpoints, and resumes from one bit for bit', async () => {
    expect(v2.streamVersion).toBe(2);
    const straight = await train(v2);
    expect(straight.outcome).toEqual({ status: 'COMPLETED', endReason: 'BUDGET' });
    const middle = straight.checkpoints.find((c) => c.step === fixture.resumeStep);
    expect(readSafetensorsHeader(middle?.bytes ?? new Uint8Array()).metadata.stream_version).toBe('2');
    const resumed = await train(v2, middle?.bytes ?? null);
    expect(resumed.outcome).toEqual({ status: 'COMPLETED', endReason: 'BUDGET' });
    expect(resumed.points).toEqual(straight.points.filter(([step]) => step > fixture.resumeStep));
    expect(resumed.finalWeights).not.toBeNull();
    expect(resumed.finalWeights).toEqual(straight.finalWeights);
  });

  it('version 1 and version 2 of one spec train differently, and neither resumes from the other', async () => {
    const { storedSpec, checkpoint } = loadV1Fixture(fixture);
    const v1 = storedRunSpec(storedSpec);
    expect(v1).toEqual({ ...v2, streamVersion: 1 });
    const [one, two] = [await train(v1), await train(v2)];
    const losses = (points: typeof one.points) => points.filter(([, name]) => name === 'loss');
    expect(losses(one.points)).not.toEqual(losses(two.points));
    expect(one.finalWeights?.model).toBeDefined();
    expect(one.finalWeights?.model).not.toEqual(two.finalWeights?.model);

    const refused = await train(v2, checkpoint);
    expect(refused.outcome).toMatchObject({
      status: 'FAILED',
      error: expect.stringContaining('stream version 1) does not belong to this run'),
    });
    const v2Checkpoint = two.checkpoints.find((c) => c.step === fixture.resumeStep)?.bytes ?? null;
    expect((await train(v1, v2Checkpoint)).outcome).toMatchObject({
      status: 'FAILED',
      error: expect.stringContaining('stream version 2) does not belong to this run'),
    });
  });
});
