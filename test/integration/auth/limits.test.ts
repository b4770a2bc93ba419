import { type ClientReadableStream, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../../src/core/index.js';
import type { StartRunRequest } from '../../../src/generated/proto/gradnoise/v1/StartRunRequest.js';
import type { StreamMetricsResponse__Output } from '../../../src/generated/proto/gradnoise/v1/StreamMetricsResponse.js';
import { api, createSweepClient } from '../../helpers/client.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { type InProcessReplica, startInProcessReplica } from '../scaleout/in-process.js';
import { eventually } from '../scaleout/series.js';

const MAX_MESSAGE = 64 * 1024;

describe('limits, each with its own error', () => {
  let db: TestDatabase;
  let replica: InProcessReplica;
  beforeAll(async () => {
    db = await createTestDatabase();
    // No training (the scheduler is not started): queued runs stay queued.
    replica = await startInProcessReplica(
      db.url,
      { owner: 'limits' },
      { start: false, maxReceiveMessageBytes: MAX_MESSAGE, maxStreamsPerClient: 2, maxQueuedRuns: 3 },
    );
  });
  afterAll(async () => {
    await replica.stop();
    await db.drop();
  });

  it('a request above GRADNOISE_MAX_MESSAGE_BYTES is RESOURCE_EXHAUSTED, one below is served', async () => {
    const client = api(replica.client);
    await expect(client.getRun({ runId: 'x'.repeat(MAX_MESSAGE + 1) })).rejects.toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
    });
    await expect(client.getRun({ runId: 'x'.repeat(MAX_MESSAGE - 100) })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
  });

  it('the n+1-th concurrent stream of a client is RESOURCE_EXHAUSTED until one of its streams ends', async () => {
    const client = api(replica.client);
    const run = await client.startRun({ trainer: 'smoke', requestId: 'watched' });
    const open = (): ClientReadableStream<StreamMetricsResponse__Output> =>
      replica.client.StreamMetrics({ runId: run.id });
    /** How the stream ended, or -1 when it is still open after `ms` (it is then cancelled). */
    const outcome = (
      stream: ClientReadableStream<StreamMetricsResponse__Output>,
      ms = Number.POSITIVE_INFINITY,
    ) =>
      new Promise<number>((resolve) => {
        const timer = Number.isFinite(ms)
          ? setTimeout(() => {
              resolve(-1);
              stream.cancel();
            }, ms)
          : undefined;
        stream.on('data', () => {});
        stream.on('error', (e: { code: number }) => {
          clearTimeout(timer);
          resolve(e.code);
        });
        stream.on('end', () => {
          clearTimeout(timer);
          resolve(status.OK);
        });
      });
    const first = open();
    const second = open();
    const firstEnded = outcome(first);
    outcome(second);
    // Both are being served (a QUEUED run's stream stays open), so a third is refused.
    await eventually('two streams held', async () => {
      const code = await outcome(open(), 2000);
      return code === status.RESOURCE_EXHAUSTED ? code : undefined;
    });
    const refused = await new Promise<{ code: number; details: string }>((resolve) => {
      const s = open();
      s.on('data', () => {});
      s.on('error', (e: { code: number; details: string }) => resolve(e));
    });
    expect(refused.details).toMatch(/too many concurrent streams: this client already holds 2 of at most 2/);
    // GetCheckpoint counts too.
    await expect(client.getCheckpoint({ runId: run.id })).rejects.toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
    });

    first.cancel();
    expect(await firstEnded).toBe(status.CANCELLED);
    // The slot is back: a new stream is served (NOT_FOUND: this run has no checkpoint yet).
    await eventually('a freed slot', async () => {
      const code = await client.getCheckpoint({ runId: run.id }).then(
        () => status.OK,
        (e: { code: number }) => e.code,
      );
      return code === status.NOT_FOUND ? code : undefined;
    });
    second.cancel();
    await client.cancelRun({ runId: run.id });
  });

  it('a project with GRADNOISE_MAX_QUEUED_RUNS queued runs gets RESOURCE_EXHAUSTED until one leaves the queue', async () => {
    const client = api(replica.client);
    const queued = [];
    for (let i = 0; i < 3; i++) queued.push(await client.startRun({ trainer: 'smoke', requestId: `q${i}` }));
    await expect(client.startRun({ trainer: 'smoke', requestId: 'q3' })).rejects.toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      details: expect.stringContaining('"default" has 3 queued runs; at most 3 may wait at once'),
    });
    const first = queued[0];
    if (first === undefined) throw new Error('no run');
    await client.cancelRun({ runId: first.id });
    expect((await client.startRun({ trainer: 'smoke', requestId: 'q3' })).status).toBe('RUN_STATUS_QUEUED');
  });

  it('a sweep that would take a project past GRADNOISE_MAX_QUEUED_RUNS is RESOURCE_EXHAUSTED and stores nothing', async () => {
    // The previous test left 3 queued runs (the limit); make room for exactly one.
    const client = api(replica.client);
    const page = await client.listRuns({ statuses: ['RUN_STATUS_QUEUED'] });
    const one = page.runs[0];
    if (one === undefined) throw new Error('no queued run');
    await client.cancelRun({ runId: one.id });
    const { api: sweeps, client: sweepClient } = createSweepClient(replica.address);
    try {
      // 1 cell × 1 seed × {no noise, noise} = 2 runs > 1 free slot.
      await expect(sweeps.startSweep({ base: { trainer: 'smoke' }, seeds: 1 })).rejects.toMatchObject({
        code: status.RESOURCE_EXHAUSTED,
        details: expect.stringContaining('(adding 2)'),
      });
      expect((await client.listRuns({ statuses: ['RUN_STATUS_QUEUED'] })).runs).toHaveLength(2);
    } finally {
      sweepClient.close();
    }
  });

  it('model sizes and budgets beyond the trainers’ limits are INVALID_ARGUMENT naming the field', async () => {
    const client = api(replica.client);
    const cases: [StartRunRequest, string][] = [
      [{ trainer: 'mlp', mlp: { depth: 201 } }, 'mlp.depth: got 201; allowed: an integer in [1, 200]'],
      [{ trainer: 'mlp', mlp: { width: 1_000_000 } }, 'mlp.width: got 1000000'],
      [{ trainer: 'mlp', mlp: { batchSize: 10_001 } }, 'mlp.batch_size: got 10001'],
      [{ trainer: 'smoke', smoke: { hiddenUnits: 1025 } }, 'smoke.hidden_units: got 1025'],
      [{ trainer: 'smoke', smoke: { layers: 17 } }, 'smoke.layers: got 17'],
      [{ trainer: 'smoke', maxSteps: LIMITS.maxSteps + 1 }, `max_steps: got "${LIMITS.maxSteps + 1}"`],
      [{ trainer: 'smoke', maxEpochs: LIMITS.maxEpochs + 1 }, 'max_epochs: got'],
    ];
    for (const [request, message] of cases) {
      await expect(client.startRun(request)).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining(message),
      });
    }
  });
});
