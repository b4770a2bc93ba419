import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StartRunRequest } from '../../../src/generated/proto/gradnoise/v1/StartRunRequest.js';
import { api } from '../../helpers/client.js';
import { describeNative } from '../../helpers/native.js';
import { startTestService, type TestService } from '../../helpers/service.js';

/**
 * A neural_gpu run through the real service on the `native` backend: it completes, is recorded as
 * `native`, reports its per-step and evaluation metrics, a second run of the same spec repeats the
 * first's metrics exactly (the addon's step is deterministic on one CPU), and its losses follow a
 * `wasm` service's run of the spec closely but not to the bit (the addon computed them).
 */

const SPEC: StartRunRequest = {
  trainer: 'neural_gpu',
  neuralGpu: {
    task: 'NEURAL_GPU_TASK_ADD',
    maps: 8,
    batchSize: 8,
    maxTrainLength: 4,
    testLengths: [4, 8],
    evalExamples: 16,
  },
  seed: 3,
  maxSteps: 8,
  evalEvery: 4,
};

describeNative('the neural_gpu trainer on the native backend, through the service', () => {
  let native: TestService;
  let wasm: TestService;
  beforeAll(async () => {
    [native, wasm] = await Promise.all([
      startTestService({ backend: 'native', workers: 1 }),
      startTestService({ backend: 'wasm', workers: 1 }),
    ]);
  });
  afterAll(() => Promise.all([native.stop(), wasm.stop()]));

  it('trains, records native, repeats itself exactly and follows wasm closely', async () => {
    const metricsOf = async (service: TestService, requestId: string) => {
      const client = api(service.client);
      const run = await client.startRun({ ...SPEC, requestId });
      const messages = await client.streamMetrics({ runId: run.id, sinceStep: 0 });
      expect(messages.at(-1)).toMatchObject({ final: true, status: 'RUN_STATUS_COMPLETED' });
      const done = await client.getRun({ runId: run.id });
      expect(done).toMatchObject({ backend: service === native ? 'native' : 'wasm', error: '' });
      return messages.flatMap((m) => m.points.map((p) => [p.name, p.step, p.value] as const));
    };
    const first = await metricsOf(native, 'first');
    const names = new Set(first.map(([name]) => name));
    for (const name of ['loss', 'grad_norm', 'noise_std', 'train_seq_error', 'test_seq_error_len8']) {
      expect(names, String(name)).toContain(name);
    }
    expect(first.filter(([name]) => name === 'loss')).toHaveLength(8);
    expect(await metricsOf(native, 'second')).toEqual(first);
    const losses = (points: typeof first) => points.filter(([name]) => name === 'loss').map(([, , v]) => v);
    const reference = losses(await metricsOf(wasm, 'wasm'));
    losses(first).forEach((loss, i) => {
      expect(Math.abs(loss - (reference[i] as number)) / loss, `step ${i}`).toBeLessThan(1e-3);
    });
    expect(losses(first)).not.toEqual(reference);
  }, 120_000);
});
