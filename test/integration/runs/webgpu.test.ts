import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadTrainerRegistry } from '../../../src/trainers/index.js';
import { api, waitForStatus } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';
import { describeWebGpu } from '../../helpers/webgpu.js';
import { createHarness, type Harness } from './harness.js';

/**
 * The service training on `webgpu` (lavapipe here, a correctness path): a short mlp run and a
 * short neural_gpu run through gRPC, and a device lost mid-run, after which the run resumes from its checkpoint on the next
 * attempt, as after a replica crash.
 */

/** A small mlp on a slice of MNIST: lavapipe compiles every kernel on first use, on the CPU. */
const MLP = { depth: 2, width: 16, batchSize: 32, data: { trainSize: 512, testSize: 256 } };
const TIMEOUT_MS = 240_000;

describeWebGpu('training on webgpu through the service', () => {
  let service: TestService;
  let harness: Harness;
  let markerDir: string;

  beforeAll(async () => {
    service = await startTestService({ backend: 'webgpu', workers: 1 });
    harness = await createHarness();
    markerDir = await mkdtemp(join(tmpdir(), 'gradnoise-device-loss-'));
  });
  afterAll(async () => {
    await service?.stop();
    await harness?.close();
    await rm(markerDir, { recursive: true, force: true });
  });

  it(
    'runs a short mlp run and reports the backend and its software adapter',
    async () => {
      const client = api(service.client);
      const started = await client.startRun({
        trainer: 'mlp',
        mlp: MLP,
        // The trainer's defaults: SGD at 0.1, noise η = 0.01, γ = 0.55.
        maxSteps: 6,
        evalEvery: 6,
        checkpointEvery: 3,
        seed: 3,
      });
      const done = await waitForStatus(
        service.client,
        started.id,
        ['RUN_STATUS_COMPLETED', 'RUN_STATUS_FAILED'],
        TIMEOUT_MS,
      );
      expect(done).toMatchObject({
        status: 'RUN_STATUS_COMPLETED',
        backend: 'webgpu',
        error: '',
        attempt: 1,
      });
      expect(done.device).toMatch(/^mesa software: llvmpipe.*\(software adapter\)$/);
      // Every step's loss, and the gradient norm read back from the device after each step.
      const { points } = await client.getRunMetrics({
        runId: started.id,
        names: ['loss', 'grad_norm', 'noise_std'],
      });
      for (const name of ['loss', 'grad_norm', 'noise_std']) {
        const series = points.filter((p) => p.name === name);
        expect(
          series.map((p) => Number(p.step)),
          name,
        ).toEqual([1, 2, 3, 4, 5, 6]);
        for (const p of series) expect(p.value, name).toBeGreaterThan(0);
      }
      const accuracy = done.metricSummaries.find((m) => m.name === 'test_accuracy');
      expect(accuracy?.last?.value).toBeGreaterThan(0);
      const text = await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`).then((r) => r.text());
      expect(text).toMatch(
        /gradnoise_backend_info\{backend="webgpu",device="mesa software: llvmpipe[^"]*",vendor="mesa",architecture="software",software="true"\} 1/,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'trains with the philox generator through the service and records it on the run',
    async () => {
      const client = api(service.client);
      const started = await client.startRun({
        trainer: 'mlp',
        mlp: MLP,
        noise: { eta: 0.01, gamma: 0.55, generator: 'NOISE_GENERATOR_PHILOX' },
        maxSteps: 4,
        evalEvery: 4,
        seed: 5,
      });
      const done = await waitForStatus(
        service.client,
        started.id,
        ['RUN_STATUS_COMPLETED', 'RUN_STATUS_FAILED'],
        TIMEOUT_MS,
      );
      expect(done).toMatchObject({ status: 'RUN_STATUS_COMPLETED', backend: 'webgpu', error: '' });
      expect(done.spec?.noise?.generator).toBe('NOISE_GENERATOR_PHILOX');
      const { points } = await client.getRunMetrics({ runId: started.id, names: ['noise_std'] });
      expect(points.map((p) => [Number(p.step), p.value])).toEqual(
        [1, 2, 3, 4].map((t) => [t, expect.closeTo(Math.sqrt(0.01 / t ** 0.55), 6)]),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'trains the neural_gpu, whose curriculum reads each batch back asynchronously',
    async () => {
      const client = api(service.client);
      const started = await client.startRun({
        trainer: 'neural_gpu',
        neuralGpu: {
          task: 'NEURAL_GPU_TASK_ADD',
          maps: 6,
          layers: 2,
          batchSize: 4,
          maxTrainLength: 3,
          testLengths: [3],
          evalExamples: 16,
        },
        maxSteps: 4,
        evalEvery: 4,
        seed: 7,
      });
      const done = await waitForStatus(
        service.client,
        started.id,
        ['RUN_STATUS_COMPLETED', 'RUN_STATUS_FAILED'],
        TIMEOUT_MS,
      );
      expect(done).toMatchObject({ status: 'RUN_STATUS_COMPLETED', backend: 'webgpu', error: '' });
      const { points } = await client.getRunMetrics({
        runId: started.id,
        names: ['loss', 'train_seq_error', 'grad_norm', 'test_seq_error_len3'],
      });
      for (const name of ['loss', 'train_seq_error', 'grad_norm']) {
        expect(
          points.filter((p) => p.name === name).map((p) => Number(p.step)),
          name,
        ).toEqual([1, 2, 3, 4]);
      }
      expect(points.find((p) => p.name === 'test_seq_error_len3')?.value).toBeGreaterThanOrEqual(0);
    },
    TIMEOUT_MS,
  );

  it(
    'fails the attempt when the device is lost, and resumes from the checkpoint on a new device',
    async () => {
      const marker = join(markerDir, 'lost');
      process.env.GRADNOISE_TEST_DEVICE_LOSS_MARKER = marker;
      const trainerModules = {
        specifiers: ['./test/fixtures/plugins/device-loss.ts'],
        baseDir: process.cwd(),
      };
      const trainers = await loadTrainerRegistry(trainerModules);
      const { scheduler, logger } = harness.scheduler(
        'webgpu-replica',
        { backend: 'webgpu', maxAttempts: 3 },
        { trainers, trainerModules },
      );
      await scheduler.start();
      const run = await harness.queue(
        {
          trainer: 'mlp_device_loss',
          trainerConfig: MLP,
          optimizer: { kind: 'adam', learningRate: 0.01 },
          noise: { eta: 0.01 },
          seed: 5,
          maxSteps: 6,
          evalEvery: 6,
          checkpointEvery: 3,
        },
        trainers,
      );
      scheduler.wake();
      const done = await harness.waitForStatus(run.id, 'COMPLETED', TIMEOUT_MS);
      expect(await readFile(marker, 'utf8')).toBe('destroyed before step 4\n');
      // Attempt 1 lost its device at step 4 (after its checkpoint at 3); attempt 2 resumed there.
      expect(done).toMatchObject({ attempt: 2, error: null, currentStep: 6, backend: 'webgpu' });
      const retried = logger.lines.find((l) => l.message.startsWith('run attempt failed outside the run'));
      expect(retried?.fields).toMatchObject({
        status: 'QUEUED',
        error: expect.stringMatching(/^attempt 1 of 3: webgpu device lost \(destroyed\)/),
      });
      const resumed = logger.lines.find((l) => l.message === 'run resumed from its checkpoint');
      expect(resumed?.fields).toMatchObject({ runId: run.id, attempt: 2, fromStep: 3, backend: 'webgpu' });
      expect(logger.lines.some((l) => l.message === 'training worker replaced')).toBe(true);
      const steps = (await harness.points(run.id, ['loss'])).map((p) => p.step);
      expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
    },
    TIMEOUT_MS,
  );
});
