import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ backend: 'wasm' });
});
afterAll(() => service.stop());

describe('the neural_gpu trainer over gRPC (paper §4.5)', () => {
  it('lists the paper defaults: Adam 1e-3/eps 1e-4, global-norm clip 1, eta 1.0', async () => {
    const { trainers } = await api(service.client).listTrainers({});
    const ngpu = trainers.find((t) => t.name === 'neural_gpu');
    expect(ngpu?.configMessage).toBe('gradnoise.v1.NeuralGpuConfig');
    expect(ngpu?.defaults?.optimizer).toMatchObject({
      kind: 'OPTIMIZER_KIND_ADAM',
      learningRate: 1e-3,
      epsilon: 1e-4,
    });
    expect(ngpu?.defaults?.clip?.byGlobalNorm).toBe(1);
    expect(ngpu?.defaults?.noise?.eta).toBe(1);
    expect(ngpu?.defaults?.neuralGpu?.task).toBe('NEURAL_GPU_TASK_MUL');
  });

  it('trains a tiny binary-addition model and reports per-length test errors', async () => {
    const client = api(service.client);
    const run = await client.startRun({
      trainer: 'neural_gpu',
      neuralGpu: {
        task: 'NEURAL_GPU_TASK_ADD',
        maps: 8,
        batchSize: 8,
        maxTrainLength: 4,
        testLengths: [4, 8],
        evalExamples: 16,
      },
      maxSteps: 6,
      evalEvery: 6,
    });
    const messages = await client.streamMetrics({ runId: run.id, sinceStep: 0 });
    expect(messages.at(-1)).toMatchObject({ final: true, status: 'RUN_STATUS_COMPLETED' });
    const names = new Set(messages.flatMap((m) => m.points.map((p) => p.name)));
    for (const name of ['loss', 'noise_std', 'test_seq_error_len8', 'test_bit_error_len8']) {
      expect(names, name).toContain(name);
    }
    const done = await client.getRun({ runId: run.id });
    expect(done.spec?.neuralGpu).toMatchObject({ maps: 8, testLengths: [4, 8] });
  });

  it('rejects bad configs naming the field', async () => {
    const client = api(service.client);
    await expect(client.startRun({ trainer: 'neural_gpu', neuralGpu: { maps: 0 } })).rejects.toMatchObject({
      code: 3,
      details: expect.stringContaining('neural_gpu.maps: got 0'),
    });
    await expect(
      client.startRun({ trainer: 'neural_gpu', neuralGpu: { testLengths: [-4] } }),
    ).rejects.toMatchObject({ code: 3, details: expect.stringContaining('neural_gpu.test_lengths') });
  });
});
