import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListCheckpointsRequest } from '../../../src/generated/proto/gradnoise/v1/ListCheckpointsRequest.js';
import { api, failure, waitForStatus } from '../../helpers/client.js';
import { fieldViolation } from '../../helpers/field-violation.js';
import { startTestService, type TestService } from '../../helpers/service.js';

let service: TestService;
let client: ReturnType<typeof api>;
let runId: string;
let otherRunId: string;

beforeAll(async () => {
  service = await startTestService({ workers: 1 });
  client = api(service.client);
  // Checkpoints at steps 5, 10, 15 and 20 (the last one is the end of the run).
  runId = (await client.startRun({ trainer: 'smoke', maxSteps: 20, checkpointEvery: 5 })).id;
  otherRunId = (await client.startRun({ trainer: 'smoke', maxSteps: 4, checkpointEvery: 2 })).id;
  await waitForStatus(service.client, runId, ['RUN_STATUS_COMPLETED']);
  await waitForStatus(service.client, otherRunId, ['RUN_STATUS_COMPLETED']);
});
afterAll(() => service.stop());

const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

describe('ListCheckpoints', () => {
  it("lists a run's checkpoints by ascending step with the size and sha256 GetCheckpoint serves", async () => {
    const { checkpoints, nextPageToken } = await client.listCheckpoints({ runId });
    expect(checkpoints.map((c) => Number(c.step))).toEqual([5, 10, 15, 20]);
    expect(nextPageToken).toBe('');
    for (const listed of checkpoints) {
      const [meta] = await client.getCheckpoint({ runId, step: listed.step });
      expect(listed).toMatchObject({
        step: meta?.step,
        sizeBytes: meta?.sizeBytes,
        sha256: meta?.sha256,
        format: 'safetensors',
      });
      expect(listed.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(Number(listed.createdAt?.seconds)).toBeGreaterThan(Date.now() / 1000 - 600);
    }
  });

  it('pages with tokens bound to the run', async () => {
    const first = await client.listCheckpoints({ runId, pageSize: 3 });
    expect(first.checkpoints.map((c) => Number(c.step))).toEqual([5, 10, 15]);
    expect(first.nextPageToken).not.toBe('');
    const second = await client.listCheckpoints({ runId, pageSize: 3, pageToken: first.nextPageToken });
    expect(second.checkpoints.map((c) => Number(c.step))).toEqual([20]);
    expect(second.nextPageToken).toBe('');

    const error = await failure(
      client.listCheckpoints({ runId: otherRunId, pageToken: first.nextPageToken }),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(fieldViolation(error).field).toBe('page_token');
    expect(error.details).toMatch(
      /^page_token: got ".+"; allowed: a next_page_token returned for the same run_id$/,
    );
    expect((await client.listCheckpoints({ runId: otherRunId })).checkpoints.map((c) => c.step)).toEqual([
      '2',
      '4',
    ]);
  });

  it('lists nothing for a run that has not checkpointed yet', async () => {
    const run = await client.startRun({ trainer: 'smoke', maxSteps: 1_000_000, checkpointEvery: 1_000_000 });
    expect(await client.listCheckpoints({ runId: run.id })).toEqual({ checkpoints: [], nextPageToken: '' });
    await client.cancelRun({ runId: run.id });
  });

  it('answers NOT_FOUND for an unknown or malformed run', async () => {
    for (const id of [UNKNOWN_UUID, 'not-a-uuid']) {
      const error = await failure(client.listCheckpoints({ runId: id }));
      expect(error.code).toBe(status.NOT_FOUND);
      expect(error.details).toContain(id);
    }
  });

  it.each<[string, () => ListCheckpointsRequest, string]>([
    ['an empty run_id', () => ({ runId: '' }), 'run_id: got ""; allowed: a non-empty id'],
    ['a long run_id', () => ({ runId: 'x'.repeat(65) }), 'run_id: got "xxx'],
    [
      'a negative page_size',
      () => ({ runId, pageSize: -1 }),
      'page_size: got -1; allowed: an integer in [0, 1000] (0: 50)',
    ],
    ['a page_size over 1000', () => ({ runId, pageSize: 1001 }), 'page_size: got 1001'],
    [
      'a garbage page_token',
      () => ({ runId, pageToken: 'garbage' }),
      'page_token: got "garbage"; allowed: a next_page_token returned for the same run_id',
    ],
    [
      'a long page_token',
      () => ({ runId, pageToken: 't'.repeat(513) }),
      `page_token: got "${'t'.repeat(20)}`,
    ],
  ])('answers %s with INVALID_ARGUMENT naming the field', async (_, request, text) => {
    const error = await failure(client.listCheckpoints(request()));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain(text);
    expect(fieldViolation(error).field).toBe(text.slice(0, text.indexOf(':')));
  });
});
