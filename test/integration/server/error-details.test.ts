import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepApi } from '../../../src/client/index.js';
import type { StartRunRequest } from '../../../src/generated/proto/gradnoise/v1/StartRunRequest.js';
import { decodeStatusDetails, STATUS_DETAILS_KEY, type StatusDetails } from '../../../src/protocol/index.js';
import { api, createSweepClient, failure } from '../../helpers/client.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { type InProcessReplica, startInProcessReplica } from '../scaleout/in-process.js';
import { eventually } from '../scaleout/series.js';

/**
 * The rich error model on the wire: every INVALID_ARGUMENT carries a `google.rpc.BadRequest` and
 * every RESOURCE_EXHAUSTED a `google.rpc.QuotaFailure` in the `grpc-status-details-bin` trailer,
 * decoded here from the bytes a real grpc-js client received.
 */

let db: TestDatabase;
let replica: InProcessReplica;
let sweeps: SweepApi;
let closeSweeps: () => void;
let dataDir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  // No training: queued runs stay queued, so the queue quota and open streams are deterministic.
  replica = await startInProcessReplica(
    db.url,
    { owner: 'error-details' },
    { start: false, maxQueuedRuns: 2, maxStreamsPerClient: 1 },
  );
  const { client, api: sweepApi } = createSweepClient(replica.address);
  sweeps = sweepApi;
  closeSweeps = () => client.close();
  // An IDX directory whose train images file has the wrong magic number.
  dataDir = mkdtempSync(join(tmpdir(), 'gradnoise-bad-idx-'));
  writeFileSync(join(dataDir, 'train-images-idx3-ubyte'), Buffer.alloc(16));
});
afterAll(async () => {
  closeSweeps();
  await replica.stop();
  await db.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The `google.rpc.Status` of the trailer, checked against the status it came with. */
function details(error: ServiceError): StatusDetails {
  const values = error.metadata?.get(STATUS_DETAILS_KEY) ?? [];
  expect(values).toHaveLength(1);
  const decoded = decodeStatusDetails(values[0] as Buffer);
  expect(decoded.code).toBe(error.code);
  expect(decoded.message).toBe(error.details);
  return decoded;
}

/** [case, request, field, description]; the message must read `<field>: <description>`. */
const START_RUN: ReadonlyArray<[string, StartRunRequest, string, string]> = [
  ['an unknown trainer', { trainer: 'resnet' }, 'trainer', 'got "resnet"; allowed: one of'],
  [
    'a negative eta',
    { trainer: 'smoke', noise: { eta: -1 } },
    'noise.eta',
    'got -1; allowed: a finite number >= 0',
  ],
  [
    'a zero schedule factor',
    { trainer: 'smoke', lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_STEP', factor: 0, everySteps: 5 } },
    'lr_schedule.factor',
    'got 0; allowed: a number in (0, 1]',
  ],
  ['a nested mlp field', { trainer: 'mlp', mlp: { batchSize: 0 } }, 'mlp.batch_size', 'got 0; allowed: '],
  [
    'a memn2n task out of range',
    { trainer: 'memn2n', memn2n: { task: 99 } },
    'memn2n.task',
    'got 99; allowed: an integer in [1, 20]',
  ],
  ['a bad label key', { trainer: 'smoke', labels: { 'a b': 'v' } }, 'labels["a b"]', 'got "a b"; allowed: '],
];

describe('google.rpc status details in the grpc-status-details-bin trailer', () => {
  it.each(START_RUN)('StartRun with %s: BadRequest names the field', async (_name, request, field, text) => {
    const error = await failure(api(replica.client).startRun(request));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    const { fieldViolations, quotaViolations } = details(error);
    expect(fieldViolations).toHaveLength(1);
    expect(fieldViolations[0]?.field).toBe(field);
    expect(fieldViolations[0]?.description).toContain(text);
    // The human message is unchanged: the field, then the description.
    expect(error.details).toBe(`${field}: ${fieldViolations[0]?.description}`);
    expect(quotaViolations).toEqual([]);
  });

  it('a data file the trainer cannot read names the trainer config it came from', async () => {
    const error = await failure(
      api(replica.client).startRun({
        trainer: 'mlp',
        mlp: { data: { source: 'DATA_SOURCE_KIND_IDX', dir: dataDir } },
      }),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    const [violation] = details(error).fieldViolations;
    // The reader names the file, not the field: the violation is about the mlp config as a whole.
    expect(violation?.field).toBe('mlp');
    expect(violation?.description).toMatch(/^\/.*train-images-idx3-ubyte: bad magic/);
    expect(error.details).toBe(`mlp.${violation?.description}`);
  });

  it('ListRuns page_size, GetSweep selection and StartSweep axes name their fields', async () => {
    const cases: [Promise<unknown>, string, string][] = [
      [api(replica.client).listRuns({ pageSize: -1 }), 'page_size', 'got -1; allowed: '],
      [
        sweeps.getSweep({ sweepId: '00000000-0000-4000-8000-000000000000', selection: { metric: '' } }),
        'selection.metric',
        'got ""; allowed: a metric name',
      ],
      [
        sweeps.startSweep({
          base: { trainer: 'smoke', maxSteps: '10' },
          axes: [{ field: 'smoke.layers', values: ['1', 'two'] }],
        }),
        'axes[0].values[1]',
        'got "two"; allowed: an integer',
      ],
      [sweeps.startSweep({ base: { trainer: 'smoke', noise: { gamma: -1 } } }), 'base.noise.gamma', 'got -1'],
    ];
    for (const [call, field, text] of cases) {
      const error = await failure(call);
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      const [violation] = details(error).fieldViolations;
      expect(violation?.field).toBe(field);
      expect(violation?.description).toContain(text);
      expect(error.details).toBe(`${field}: ${violation?.description}`);
    }
  });

  it('NOT_FOUND carries no details', async () => {
    const error = await failure(
      api(replica.client).getRun({ runId: '00000000-0000-4000-8000-000000000000' }),
    );
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.metadata?.get(STATUS_DETAILS_KEY)).toEqual([]);
  });

  it('the queued-run quota and the stream limit answer with a QuotaFailure naming whose quota', async () => {
    const client = api(replica.client);
    const run = await client.startRun({ trainer: 'smoke', requestId: 'q0' });
    await client.startRun({ trainer: 'smoke', requestId: 'q1' });
    const queue = await failure(client.startRun({ trainer: 'smoke', requestId: 'q2' }));
    expect(queue.code).toBe(status.RESOURCE_EXHAUSTED);
    const queueDetails = details(queue);
    expect(queueDetails.fieldViolations).toEqual([]);
    expect(queueDetails.quotaViolations).toEqual([
      { subject: 'project:default', description: queue.details },
    ]);

    // One stream held (a QUEUED run's stream stays open), so the next is refused.
    const held = replica.client.StreamMetrics({ runId: run.id });
    held.on('data', () => {});
    held.on('error', () => {});
    const stream = await eventually('the stream slot taken', async () => {
      const error = await failure(client.getCheckpoint({ runId: run.id }));
      return error.code === status.RESOURCE_EXHAUSTED ? error : undefined;
    });
    held.cancel();
    const [violation] = details(stream).quotaViolations;
    expect(violation?.subject).toMatch(/^client:peer:/);
    expect(violation?.description).toBe(stream.details);
  });
});
