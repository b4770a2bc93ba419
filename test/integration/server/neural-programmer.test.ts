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

describe('the neural_programmer trainer over gRPC (paper §4.3)', () => {
  it('lists its config fields and the paper defaults: Adam, clip, eta 1.0', async () => {
    const { trainers } = await api(service.client).listTrainers({});
    const np = trainers.find((t) => t.name === 'neural_programmer');
    expect(np?.defaults?.optimizer?.kind).toBe('OPTIMIZER_KIND_ADAM');
    expect(np?.defaults?.noise?.eta).toBe(1);
    expect(np?.defaults?.clip?.byGlobalNorm).toBe(1);
  });

  it('trains a tiny five-column, text-entries run sent as config_struct, to COMPLETED', async () => {
    const client = api(service.client);
    const run = await client.startRun({
      trainer: 'neural_programmer',
      configStruct: jsonToStruct({
        columns: 5,
        text_column: true,
        rows: 9,
        hidden_size: 8,
        dataset_size: 40,
        eval_size: 20,
        batch_size: 8,
        dropout: 0.1,
      }),
      maxSteps: 6,
      evalEvery: 6,
    });
    const messages = await client.streamMetrics({ runId: run.id, sinceStep: 0 });
    expect(messages.at(-1)).toMatchObject({ final: true, status: 'RUN_STATUS_COMPLETED' });
    const names = new Set(messages.flatMap((m) => m.points.map((p) => p.name)));
    for (const name of ['loss', 'noise_std', 'grad_norm', 'test_accuracy', 'validation_accuracy']) {
      expect(names, name).toContain(name);
    }
    const done = await client.getRun({ runId: run.id });
    // Run.spec returns the typed message, which sent again starts the same run.
    expect(done.spec?.config).toBe('neuralProgrammer');
    expect(done.spec?.neuralProgrammer).toMatchObject({
      textColumn: true,
      columns: 5,
      templates: 'NEURAL_PROGRAMMER_TEMPLATES_FULL',
    });
  }, 60_000);

  it.each([
    [{ steps: 9 }, 'neural_programmer.steps: got 9; allowed: an integer in [1, 8]'],
    [{ templates: 9 }, 'neural_programmer.templates: got 9'],
    [{ batchSize: 50, datasetSize: 10 }, 'neural_programmer.batch_size: got 50'],
  ])('rejects the typed message %j with INVALID_ARGUMENT naming the field', async (config, text) => {
    const error = await api(service.client)
      .startRun({ trainer: 'neural_programmer', neuralProgrammer: config as never })
      .then(
        () => null,
        (e: { code: number; details: string }) => e,
      );
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toContain(text);
  });

  it.each([
    [{ steps: 0 }, 'neural_programmer.steps: got 0'],
    [{ templates: 'everything' }, 'neural_programmer.templates: got "everything"'],
  ])('rejects %j with INVALID_ARGUMENT naming the field', async (config, text) => {
    const error = await api(service.client)
      .startRun({ trainer: 'neural_programmer', configStruct: jsonToStruct(config) })
      .then(
        () => null,
        (e: { code: number; details: string }) => e,
      );
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toContain(text);
  });
});
