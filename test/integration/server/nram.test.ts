import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonToStruct } from '../../../src/protocol/struct.js';
import { api } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ backend: 'wasm' });
});
afterAll(() => service.stop());

describe('the nram trainer over gRPC (paper §4.4)', () => {
  it('lists the paper defaults: Adam, clipping before the noise, eta 0.01', async () => {
    const { trainers } = await api(service.client).listTrainers({});
    const nram = trainers.find((t) => t.name === 'nram');
    expect(nram?.paperSection).toBe('§4.4');
    expect(nram?.defaults?.optimizer?.kind).toBe('OPTIMIZER_KIND_ADAM');
    expect(nram?.defaults?.clip?.byGlobalNorm).toBe(10);
    expect(nram?.defaults?.noise?.eta).toBe(0.01);
  });

  it('trains a tiny ListK machine from a config_struct to COMPLETED', async () => {
    const client = api(service.client);
    const run = await client.startRun({
      trainer: 'nram',
      configStruct: jsonToStruct({
        memory_size: 8,
        registers: 2,
        timesteps: 3,
        controller: 'feedforward',
        hidden_size: 8,
        batch_size: 8,
        max_list_length: 2,
        eval_examples: 16,
      }),
      maxSteps: 4,
      evalEvery: 4,
    });
    const messages = await client.streamMetrics({ runId: run.id, sinceStep: 0 });
    expect(messages.at(-1)).toMatchObject({ final: true, status: 'RUN_STATUS_COMPLETED' });
    const names = new Set(messages.flatMap((m) => m.points.map((p) => p.name)));
    for (const name of ['loss', 'train_accuracy', 'curriculum_length', 'test_accuracy', 'noise_std']) {
      expect(names, name).toContain(name);
    }
  });

  it('rejects bad configs naming the field', async () => {
    const client = api(service.client);
    await expect(
      client.startRun({ trainer: 'nram', configStruct: jsonToStruct({ memory_size: 2 }) }),
    ).rejects.toMatchObject({ code: 3, details: expect.stringContaining('memory_size: got 2') });
    await expect(
      client.startRun({
        trainer: 'nram',
        configStruct: jsonToStruct({ memory_size: 8, max_list_length: 3 }),
      }),
    ).rejects.toMatchObject({ code: 3, details: expect.stringContaining('max_list_length: got 3') });
  });

  it('takes the typed NramConfig, returns it in Run.spec, and refuses its bad fields by name', async () => {
    const client = api(service.client);
    const run = await client.startRun({
      trainer: 'nram',
      nram: { memorySize: 8, maxListLength: 2, controller: 'NRAM_CONTROLLER_FEEDFORWARD', stopBias: -2 },
      maxSteps: 1,
    });
    expect(run.spec?.config).toBe('nram');
    expect(run.spec?.nram).toMatchObject({
      memorySize: 8,
      maxListLength: 2,
      controller: 'NRAM_CONTROLLER_FEEDFORWARD',
      stopBias: -2,
    });
    for (const [config, text] of [
      [{ stopBias: 20 }, 'nram.stop_bias: got 20'],
      [{ keepBias: -11 }, 'nram.keep_bias: got -11'],
      [{ controller: 9 }, 'nram.controller: got 9'],
    ] as const) {
      await expect(client.startRun({ trainer: 'nram', nram: config as never })).rejects.toMatchObject({
        code: 3,
        details: expect.stringContaining(text),
      });
    }
  });
});
