import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonToStruct } from '../../../src/protocol/struct.js';
import { builtinTrainers } from '../../../src/trainers/index.js';
import { api } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.stop());

async function rejection(request: Parameters<ReturnType<typeof api>['startRun']>[0]) {
  return api(service.client)
    .startRun(request)
    .then(
      () => null,
      (e: { code: number; details: string }) => e,
    );
}

describe('trainer configs as google.protobuf.Struct', () => {
  it('trains a run whose config came as a Struct, stored as the typed request would be', async () => {
    const client = api(service.client);
    // Written out as the wire carries it, snake_case and camelCase keys mixed.
    const configStruct = {
      fields: {
        hidden_units: { numberValue: 8 },
        layers: { numberValue: 2 },
        batchSize: { numberValue: 16 },
        classes: { numberValue: 3 },
        inputs: { nullValue: 'NULL_VALUE' as const },
      },
    };
    const viaStruct = await client.startRun({ trainer: 'smoke', configStruct, maxSteps: 20, seed: 4 });
    const typed = await client.startRun({
      trainer: 'smoke',
      smoke: { hiddenUnits: 8, layers: 2, batchSize: 16, classes: 3 },
      maxSteps: 20,
      seed: 4,
    });
    expect(viaStruct.spec?.config).toBe('smoke');
    expect(viaStruct.spec?.smoke).toEqual(typed.spec?.smoke);
    expect(viaStruct.spec?.smoke).toMatchObject({
      hiddenUnits: 8,
      layers: 2,
      batchSize: 16,
      classes: 3,
      inputs: 8,
    });

    const messages = await client.streamMetrics({ runId: viaStruct.id, sinceStep: 0 });
    expect(messages.at(-1)?.status).toBe('RUN_STATUS_COMPLETED');
    const other = await client.streamMetrics({ runId: typed.id, sinceStep: 0 });
    const losses = (m: typeof messages) => m.flatMap((x) => x.points).filter((p) => p.name === 'loss');
    expect(losses(messages).map((p) => p.value)).toEqual(losses(other).map((p) => p.value));
  });

  it('takes nested objects, enums as their choice, and lists', async () => {
    const client = api(service.client);
    const mlp = await client.startRun({
      trainer: 'mlp',
      configStruct: jsonToStruct({ depth: 3, init: 'he', data: { source: 'mnist', train_size: 100 } }),
      maxSteps: 1,
    });
    expect(mlp.spec?.mlp).toMatchObject({
      depth: 3,
      init: 'MLP_INIT_HE',
      data: { source: 'DATA_SOURCE_KIND_MNIST', trainSize: 100, testSize: 2000 },
    });
    await client.cancelRun({ runId: mlp.id }).catch(() => undefined);
    const gpu = await client.startRun({
      trainer: 'neural_gpu',
      configStruct: jsonToStruct({ task: 'add', test_lengths: [8, 4], max_train_length: 6 }),
      maxSteps: 1,
    });
    expect(gpu.spec?.neuralGpu).toMatchObject({
      task: 'NEURAL_GPU_TASK_ADD',
      testLengths: [4, 8],
      maxTrainLength: 6,
    });
    await client.cancelRun({ runId: gpu.id }).catch(() => undefined);
  });

  it.each([
    ['an out-of-range value', 'mlp', { depth: 0 }, 'mlp.depth: got 0; allowed: an integer in [1, 200]'],
    ['a string for an int', 'mlp', { depth: '5' }, 'mlp.depth: got "5"; allowed: an integer in [1, 200]'],
    ['a fraction for an int', 'smoke', { layers: 1.5 }, 'smoke.layers: got 1.5'],
    [
      'an unknown enum choice',
      'mlp',
      { init: 'MLP_INIT_HE' },
      'mlp.init: got "MLP_INIT_HE"; allowed: one of: simple, zero, he, sussillo',
    ],
    [
      'an unknown key',
      'mlp',
      { widht: 50 },
      'mlp.widht: got 50; allowed: a known key (depth, width, init, batch_size, dropout_rate, data)',
    ],
    [
      'an unknown nested key',
      'mlp',
      { data: { path: '/x' } },
      'mlp.data.path: got "/x"; allowed: a known key (source, dir, train_size, test_size)',
    ],
    [
      'an Object.prototype member as a key',
      'mlp',
      { constructor: 5 },
      'mlp.constructor: got 5; allowed: a known key (depth, width, init, batch_size, dropout_rate, data)',
    ],
    ['a scalar for an object', 'mlp', { data: 'mnist' }, 'mlp.data: got "mnist"; allowed: an object'],
    ['a bad list item', 'neural_gpu', { test_lengths: [20, 0] }, 'neural_gpu.test_lengths[1]: got 0'],
    ['a number for a list', 'neural_gpu', { test_lengths: 20 }, 'neural_gpu.test_lengths: got 20'],
    [
      'a key given twice',
      'smoke',
      { batch_size: 4, batchSize: 8 },
      'smoke.batch_size: got 8; allowed: batch_size or batchSize, not both',
    ],
  ])('rejects %s with INVALID_ARGUMENT naming the field', async (_name, trainer, config, text) => {
    const error = await rejection({ trainer, configStruct: jsonToStruct(config) });
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toContain(text);
  });

  it('rejects a typed config of another trainer, naming config_struct as an alternative', async () => {
    const error = await rejection({ trainer: 'smoke', mlp: { depth: 3 } });
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toContain('config: got "mlp"; allowed: the smoke config or config_struct');
  });
});

describe('ListTrainers', () => {
  it('returns the schema and the metrics of every trainer', async () => {
    const { trainers } = await api(service.client).listTrainers({});
    expect(trainers.map((t) => t.name)).toEqual(builtinTrainers.list().map((t) => t.name));
    for (const trainer of builtinTrainers.list()) {
      const info = trainers.find((t) => t.name === trainer.name);
      expect(info?.configFields.map((f) => f.name)).toEqual(
        Object.keys(trainer.schema).map((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)),
      );
      for (const field of info?.configFields ?? []) {
        expect(field.doc, `${trainer.name}.${field.name}`).not.toBe('');
        expect(field.allowed).not.toBe('');
        expect(field.kind).not.toBe('CONFIG_FIELD_KIND_UNSPECIFIED');
      }
      expect(info?.metrics.map((m) => m.name)).toEqual(trainer.metrics.map((m) => m.name));
      expect(info?.metrics.find((m) => m.name === 'loss')).toMatchObject({
        when: 'METRIC_WHEN_STEP',
        direction: 'METRIC_DIRECTION_MIN',
        finite: true,
      });
    }
    const mlp = trainers.find((t) => t.name === 'mlp');
    expect(mlp?.configFields.find((f) => f.name === 'depth')).toMatchObject({
      kind: 'CONFIG_FIELD_KIND_INT',
      min: 1,
      max: 200,
      defaultValue: { numberValue: 20 },
      allowed: 'an integer in [1, 200]',
    });
    expect(mlp?.configFields.find((f) => f.name === 'init')).toMatchObject({
      kind: 'CONFIG_FIELD_KIND_ENUM',
      choices: ['simple', 'zero', 'he', 'sussillo'],
      protoEnumPrefix: 'MLP_INIT_',
      defaultValue: { stringValue: 'simple' },
    });
    const data = mlp?.configFields.find((f) => f.name === 'data');
    expect(data?.kind).toBe('CONFIG_FIELD_KIND_OBJECT');
    expect(data?.fields.map((f) => f.name)).toEqual(['source', 'dir', 'train_size', 'test_size']);
    expect(data?.fields.find((f) => f.name === 'dir')?.defaultValue).toBeNull();
    const gpu = trainers.find((t) => t.name === 'neural_gpu');
    expect(gpu?.metrics.find((m) => m.name === 'test_seq_error_len{L}')?.when).toBe('METRIC_WHEN_EVALUATION');
    expect(gpu?.configFields.find((f) => f.name === 'test_lengths')?.defaultValue).toMatchObject({
      listValue: { values: [{ numberValue: 20 }, { numberValue: 40 }] },
    });
  });
});
