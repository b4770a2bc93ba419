import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonToStruct } from '../../../src/protocol/struct.js';
import { api } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ backend: 'wasm' });
});
afterAll(() => service.stop());

describe('the memn2n trainer over gRPC (paper §4.2)', () => {
  it('trains generated task 1 from a config_struct with linear start, reporting its phase and errors', async () => {
    const client = api(service.client);
    const run = await client.startRun({
      trainer: 'memn2n',
      configStruct: jsonToStruct({
        task: 1,
        batch_size: 300,
        memory_size: 10,
        embedding_size: 8,
        linear_start_epochs: 1,
      }),
      maxSteps: 4,
      evalEvery: 4,
    });
    const messages = await client.streamMetrics({ runId: run.id, sinceStep: 0 });
    expect(messages.at(-1)).toMatchObject({ final: true, status: 'RUN_STATUS_COMPLETED' });
    const points = messages.flatMap((m) => m.points);
    const names = new Set(points.map((p) => p.name));
    for (const name of ['loss', 'train_error', 'validation_error', 'validation_loss', 'test_error']) {
      expect(names, name).toContain(name);
    }
    // Three steps per epoch: linear start ends after the first epoch.
    expect(points.filter((p) => p.name === 'phase').map((p) => [Number(p.step), p.value])).toEqual([
      [1, 0],
      [3, 1],
    ]);
  });

  it('takes the typed MemN2NConfig message and returns it in Run.spec', async () => {
    const client = api(service.client);
    const run = await client.startRun({
      trainer: 'memn2n',
      memn2n: {
        task: 2,
        data: { source: 'BABI_SOURCE_GENERATED' },
        linearStart: false,
        batchSize: 300,
        embeddingSize: 8,
      },
      maxSteps: 2,
      evalEvery: 2,
    });
    expect(run.spec?.config).toBe('memn2n');
    expect(run.spec?.memn2n).toMatchObject({
      task: 2,
      data: { source: 'BABI_SOURCE_GENERATED' },
      linearStart: false,
      batchSize: 300,
      embeddingSize: 8,
      hops: 3,
      memorySize: 50,
    });
    const messages = await client.streamMetrics({ runId: run.id, sinceStep: 0 });
    expect(messages.at(-1)).toMatchObject({ final: true, status: 'RUN_STATUS_COMPLETED' });
  });

  it.each([
    [{ task: 99 }, 'memn2n.task: got 99; allowed: an integer in [1, 20]'],
    [{ data: { source: 7 } }, 'memn2n.data.source: got 7'],
    [{ randomTime: -0.5 }, 'memn2n.random_time: got -0.5'],
  ])('rejects the typed message %j with INVALID_ARGUMENT naming the field', async (config, text) => {
    const error = await api(service.client)
      .startRun({ trainer: 'memn2n', memn2n: config as never })
      .then(
        () => null,
        (e: { code: number; details: string }) => e,
      );
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toContain(text);
  });

  it.each([
    [
      { task: 4 },
      'memn2n.task: got 4; allowed: one of 1, 2, 3, 6, 7, 8, 11, 12, 13, 15, 16 when data.source is generated',
    ],
    [{ random_time: 2 }, 'memn2n.random_time: got 2'],
    [{ data: { source: 'files', dir: 'relative' } }, 'memn2n.data.dir: got "relative"'],
  ])('rejects %j with INVALID_ARGUMENT naming the field', async (config, text) => {
    const error = await api(service.client)
      .startRun({ trainer: 'memn2n', configStruct: jsonToStruct(config) })
      .then(
        () => null,
        (e: { code: number; details: string }) => e,
      );
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toContain(text);
  });
});
