import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/backend/index.js';
import { storedRunSpec } from '../../../src/core/index.js';
import { postedCheckpoints, postedPoints, runInProcess } from '../../helpers/run-job.js';
import {
  comparableDigests,
  historyDifferences,
  loadV1Fixture,
  V1_FIXTURES,
} from '../../helpers/stream-v1.js';
import { tensorDigests } from '../../helpers/stream-v1-fixtures.js';

/**
 * Runs stored by cab56fc, before stream versions (test/fixtures/stream-v1/README.md), through the
 * real worker loop: from their stored checkpoint and from scratch, both must give the recorded
 * metric values and final weights bit for bit.
 */
async function train(spec: unknown, runId: string, checkpoint: Uint8Array | null) {
  const { outcome, messages } = await runInProcess(storedRunSpec(spec), {
    checkpoint,
    runId,
    attempt: 2,
    flushPoints: 1_000,
  });
  const points = postedPoints(messages).map((p) => [p.step, p.name, p.value] as const);
  const final = postedCheckpoints(messages).at(-1);
  return { outcome, points, final };
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe.each(V1_FIXTURES)('a $name run stored before stream versions', (fixture) => {
  const { storedSpec, checkpoint, expected } = loadV1Fixture(fixture);

  it('resumes from its stored checkpoint and reproduces the recorded points and weights bit for bit', async () => {
    const { outcome, points, final } = await train(storedSpec, fixture.runId, checkpoint);
    expect(outcome).toEqual({ status: 'COMPLETED', endReason: 'BUDGET' });
    expect(points.length).toBeGreaterThan(0);
    const after = expected.points.filter(([step]) => step > fixture.resumeStep);
    expect(historyDifferences(points, after)).toEqual([]);
    expect(final?.step).toBe(expected.finalStep);
    expect(comparableDigests(tensorDigests(final?.bytes ?? new Uint8Array()))).toEqual(
      comparableDigests(expected.finalTensors),
    );
  });

  it('trained again from scratch, reproduces the whole recorded run', async () => {
    const { outcome, points, final } = await train(storedSpec, fixture.runId, null);
    expect(outcome).toEqual({ status: 'COMPLETED', endReason: 'BUDGET' });
    expect(historyDifferences(points, expected.points)).toEqual([]);
    expect(comparableDigests(tensorDigests(final?.bytes ?? new Uint8Array()))).toEqual(
      comparableDigests(expected.finalTensors),
    );
  });
});
