import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../../src/runs/index.js';
import { encodeRun } from '../../../src/server/codec/run.js';
import { sql } from '../store/fixtures.js';
import { createHarness, type Harness, smoke } from './harness.js';

/**
 * A tiny Neural GPU whose curriculum starts at its longest length, with `solvedSeqError` 1: the first
 * evaluation meets the criterion, so the run is solved there (paper §4.5's "solved" made cheap).
 */
const SOLVABLE = {
  trainer: 'neural_gpu',
  trainerConfig: {
    task: 'add',
    maps: 4,
    layers: 1,
    height: 2,
    batchSize: 2,
    maxTrainLength: 2,
    curriculumStart: 2,
    testLengths: [2],
    evalExamples: 4,
    solvedSeqError: 1,
  },
  seed: 3,
  maxSteps: 40,
  evalEvery: 3,
  checkpointEvery: 10,
};

describe('done: a solved run ends early, COMPLETED, and says why (real scheduler, workers, PostgreSQL)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterEach(() => h.stopSchedulers());
  afterAll(() => h.close());

  it('stops at the solved step with its final evaluation and checkpoint there; a budget run says BUDGET', async () => {
    const solvable = await h.queue(SOLVABLE);
    const budget = await h.queue(smoke({ maxSteps: 20, evalEvery: 10, checkpointEvery: 10 }));
    const { scheduler } = h.scheduler('replica-done');
    await scheduler.start();

    const solved = await h.waitForStatus(solvable.id, 'COMPLETED', 60_000);
    expect(solved).toMatchObject({ endReason: 'SOLVED', currentStep: 3, error: null });
    expect(encodeRun(solved).endReason).toBe('RUN_END_REASON_SOLVED');
    const points = await h.points(solvable.id);
    expect(Math.max(...points.map((p) => p.step))).toBe(3);
    expect(points.filter((p) => p.name === 'test_seq_error_len2').map((p) => p.step)).toEqual([3]);
    const checkpoint = await h.store.checkpoints.getMeta(solvable.id, 0);
    expect(checkpoint?.step).toBe(3);
    expect(decodeCheckpoint(await h.store.checkpoints.getData(solvable.id, 3)).solved).toBe(true);

    const spent = await h.waitForStatus(budget.id, 'COMPLETED', 60_000);
    expect(spent).toMatchObject({ endReason: 'BUDGET', currentStep: 20 });
    expect(encodeRun(spent).endReason).toBe('RUN_END_REASON_BUDGET');
    const listed = await h.store.runs.list({ project: solved.project }, 10, '');
    expect(new Map(listed.items.map((r) => [r.id, r.endReason]))).toEqual(
      new Map([
        [solvable.id, 'SOLVED'],
        [budget.id, 'BUDGET'],
      ]),
    );
  });

  it('a solved run resumed from its final checkpoint trains no further and stays SOLVED', async () => {
    const run = await h.queue({ ...SOLVABLE, seed: 4 });
    const first = h.scheduler('replica-first');
    await first.scheduler.start();
    await h.waitForStatus(run.id, 'COMPLETED', 60_000);
    await h.stopSchedulers();
    // As if the replica had died after saving the solved checkpoint, before recording the end.
    await sql(
      h.db.url,
      `UPDATE runs SET status = 'QUEUED', end_reason = NULL, finished_at = NULL WHERE id = $1`,
      [run.id],
    );
    const values = async () => (await h.points(run.id)).map((p) => [p.step, p.name, p.value]);
    const before = await values();
    const second = h.scheduler('replica-second');
    await second.scheduler.start();
    const resumed = await h.waitFor(run.id, (r) => r.status === 'COMPLETED' && r.attempt === 2, 60_000);
    expect(resumed).toMatchObject({ endReason: 'SOLVED', currentStep: 3 });
    expect(await values()).toEqual(before);
    const log = second.logger.lines.find((l) => l.message === 'run resumed from its checkpoint');
    expect(log?.fields.fromStep).toBe(3);
  });
});
