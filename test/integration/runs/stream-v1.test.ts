import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_FORMAT, checkpointIndex, sha256Hex } from '../../../src/checkpoint/index.js';
import type { RunSpec } from '../../../src/core/index.js';
import {
  comparableDigests,
  historyDifferences,
  loadV1Fixture,
  V1_FIXTURES,
} from '../../helpers/stream-v1.js';
import { tensorDigests } from '../../helpers/stream-v1-fixtures.js';
import { createHarness, type Harness, PROJECT } from './harness.js';

/**
 * A database as cab56fc left it: each fixture run (test/fixtures/stream-v1/) stored with the spec
 * that code wrote, its points up to its checkpoint, and the checkpoint, queued to resume. A
 * scheduler of today claims them, resumes each from its checkpoint, and must store exactly the
 * points and final weights the uninterrupted run had.
 */
describe('runs stored before stream versions, in PostgreSQL', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('resume on a new replica and reproduce the recorded run bit for bit', async () => {
    const stored = [];
    for (const fixture of V1_FIXTURES) {
      const { storedSpec, checkpoint, expected } = loadV1Fixture(fixture);
      // The row as the old code wrote it: the spec's JSON without a streamVersion.
      const { run } = await h.store.runs.create({
        project: PROJECT,
        requestId: null,
        spec: storedSpec as RunSpec,
        labels: {},
      });
      expect(run.spec.streamVersion).toBe(1);
      const before = expected.points.filter(([step]) => step <= fixture.resumeStep);
      await h.store.metrics.upsertMany(
        before.map(([step, name, value]) => ({ runId: run.id, step, name, value, timeMs: 0 })),
      );
      await h.store.checkpoints.save(
        {
          runId: run.id,
          step: fixture.resumeStep,
          sizeBytes: checkpoint.byteLength,
          sha256: sha256Hex(checkpoint),
          format: CHECKPOINT_FORMAT,
          index: checkpointIndex(checkpoint),
        },
        checkpoint,
      );
      stored.push({ fixture, run, expected });
    }

    const { scheduler, logger } = h.scheduler('replica-new', { backend: 'wasm' });
    await scheduler.start();
    for (const { fixture, run, expected } of stored) {
      const done = await h.waitFor(run.id, (r) => r.status !== 'QUEUED' && r.status !== 'RUNNING', 60_000);
      expect(done, fixture.name).toMatchObject({ status: 'COMPLETED', currentStep: expected.finalStep });
      const resumed = logger.lines.find(
        (l) => l.message === 'run resumed from its checkpoint' && l.fields.runId === run.id,
      );
      expect(resumed?.fields.fromStep, fixture.name).toBe(fixture.resumeStep);
      const history = (await h.points(run.id)).map((p) => [p.step, p.name, p.value] as const);
      expect(historyDifferences(history, expected.points), fixture.name).toEqual([]);
      const final = await h.store.checkpoints.getData(run.id, expected.finalStep);
      expect(comparableDigests(tensorDigests(final)), fixture.name).toEqual(
        comparableDigests(expected.finalTensors),
      );
    }
  });
});
