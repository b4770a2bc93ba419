import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, waitForStatus } from '../../helpers/client.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { type InProcessReplica, startInProcessReplica } from './in-process.js';

describe('numerical faults through the gRPC API', () => {
  let db: TestDatabase;
  let replica: InProcessReplica;
  beforeAll(async () => {
    db = await createTestDatabase();
    // One training thread: the next run can only train if the failed run gave its worker back.
    replica = await startInProcessReplica(db.url, { owner: 'numerics', workers: 1 });
  });
  afterAll(async () => {
    await replica.stop();
    await db.drop();
  });

  it('a run whose loss turns NaN ends FAILED naming the step, its watchers get the end, and its worker trains the next run', async () => {
    const client = api(replica.client);
    const diverging = await client.startRun({
      trainer: 'smoke',
      optimizer: { kind: 'OPTIMIZER_KIND_SGD', learningRate: 1e6 },
      noise: { eta: 0 },
      maxSteps: 500,
    });
    const watched = client.streamMetrics({ runId: diverging.id });
    const failed = await waitForStatus(
      replica.client,
      diverging.id,
      ['RUN_STATUS_FAILED', 'RUN_STATUS_COMPLETED'],
      60_000,
    );
    expect(failed.status).toBe('RUN_STATUS_FAILED');
    expect(failed.error).toMatch(
      /^step \d+: loss is (NaN|Infinity|-Infinity); a non-finite loss ends the run$/,
    );
    const messages = await watched;
    expect(messages.at(-1)).toMatchObject({ final: true, status: 'RUN_STATUS_FAILED' });
    // Only finite values were stored and streamed.
    const streamed = messages.flatMap((m) => m.points);
    expect(streamed.every((p) => Number.isFinite(p.value))).toBe(true);
    const failedAt = Number(/^step (\d+)/.exec(failed.error)?.[1]);
    expect(streamed.filter((p) => p.name === 'loss').map((p) => Number(p.step))).toEqual(
      Array.from({ length: failedAt - 1 }, (_, i) => i + 1),
    );

    const next = await client.startRun({ trainer: 'smoke', maxSteps: 40 });
    const done = await waitForStatus(
      replica.client,
      next.id,
      ['RUN_STATUS_COMPLETED', 'RUN_STATUS_FAILED'],
      60_000,
    );
    expect(done).toMatchObject({ status: 'RUN_STATUS_COMPLETED', error: '' });
  });
});
