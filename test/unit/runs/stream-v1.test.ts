import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/backend/index.js';
import { storedRunSpec } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { runJob } from '../../../src/runs/worker/loop.js';
import type { FromWorker } from '../../../src/runs/worker/protocol.js';
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
  const messages: FromWorker[] = [];
  const outcome = await runJob(
    { runId, attempt: 2, spec: storedRunSpec(spec), control: new SharedArrayBuffer(4), checkpoint },
    { backend: 'wasm', flushIntervalMs: 1_000_000, flushPoints: 1_000, dataRoots: ANY_DATA_DIR },
    (message) => messages.push(message),
  );
  const points = messages
    .flatMap((m) => (m.type === 'metrics' ? m.points : []))
    .map((p) => [p.step, p.name, p.value] as const);
  const final = messages.flatMap((m) => (m.type === 'checkpoint' ? [m] : [])).at(-1);
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
