import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../../src/runs/index.js';
import { createHarness, type Harness, PROJECT, smoke } from './harness.js';

describe('RunScheduler lifecycle (real PostgreSQL, real worker threads, smoke trainer)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterEach(() => h.stopSchedulers());
  afterAll(() => h.close());

  it('takes a run QUEUED → RUNNING → COMPLETED, storing every metric point once and the final checkpoint', async () => {
    const { scheduler, registry, logger } = h.scheduler('replica-a');
    const queued = await h.queue(smoke({ maxSteps: 60 }));
    expect(queued.status).toBe('QUEUED');
    await scheduler.start();
    await h.waitForStatus(queued.id, 'RUNNING');
    const done = await h.waitForStatus(queued.id, 'COMPLETED');
    expect(done).toMatchObject({ backend: 'wasm', currentStep: 60, attempt: 1, error: null, owner: null });

    const points = await h.points(queued.id);
    const keys = points.map((p) => `${p.name}@${p.step}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const name of ['loss', 'grad_norm', 'noise_std']) {
      expect(points.filter((p) => p.name === name).map((p) => p.step)).toEqual(
        Array.from({ length: 60 }, (_, i) => i + 1),
      );
    }
    expect(points.filter((p) => p.name === 'test_accuracy').map((p) => p.step)).toEqual([20, 40, 60]);
    const loss = points.filter((p) => p.name === 'loss').map((p) => p.value);
    expect(loss.slice(-5).reduce((a, b) => a + b) / 5).toBeLessThan(
      loss.slice(0, 5).reduce((a, b) => a + b) / 5,
    );

    const meta = await h.store.checkpoints.getMeta(queued.id, 0);
    expect(meta).toMatchObject({ step: 60, format: 'safetensors' });
    const file = decodeCheckpoint(await h.store.checkpoints.getData(queued.id, 60));
    expect(file).toMatchObject({
      step: 60,
      backend: 'wasm',
      runId: queued.id,
      noise: { step: 60, seed: 11, skipped: 0, generator: 'box-muller' },
    });
    expect(file.spec).toEqual(done.spec);
    const tensorNames = [
      ...file.model.map((t) => `model/${t.name}`),
      ...file.optimizer.map((t) => `optimizer/${t.name}`),
    ];
    expect(Object.keys(meta?.index ?? {}).sort()).toEqual(tensorNames.sort());

    // The backend choice is logged with why the GPU and node backends were rejected, and exported.
    const ready = logger.lines.find((l) => l.message === 'training worker ready');
    expect(ready?.fields).toMatchObject({
      backend: 'wasm',
      rejected: [{ name: 'webgpu' }, { name: 'tensorflow-gpu' }, { name: 'tensorflow' }, { name: 'native' }],
    });
    expect(done.device).toMatch(/\(\d+ threads\)$/);
    const text = await registry.metrics();
    expect(text).toMatch(
      /gradnoise_backend_info\{backend="wasm",device="[^"]+ \(\d+ threads\)",vendor="",architecture="",software="false"\} 1/,
    );
    expect(text).toContain('gradnoise_training_steps_total{trainer="smoke",backend="wasm"} 60');
    expect(text).toContain('gradnoise_training_examples_total{trainer="smoke",backend="wasm"} 1920');
    expect(text).toContain('gradnoise_step_duration_seconds_count{trainer="smoke"} 60');
    expect(text).toContain('gradnoise_runs{status="COMPLETED"} 1');
    expect(text).toMatch(/gradnoise_metric_write_seconds_count\{outcome="ok"\} [1-9]/);
    // Per-run series are removed when the run ends.
    expect(text).not.toContain(`run_id="${queued.id}"`);
    await scheduler.stop();
  });

  it('cancels a running run: final checkpoint at the step it stopped, then CANCELLED', async () => {
    const { scheduler } = h.scheduler('replica-b');
    await scheduler.start();
    const run = await h.queue(
      smoke({ maxSteps: 1_000_000, checkpointEvery: 1_000_000, evalEvery: 1_000_000 }),
    );
    scheduler.wake();
    await h.waitFor(run.id, (r) => r.status === 'RUNNING' && r.currentStep >= 20);
    const requested = await scheduler.cancel(PROJECT, run.id);
    expect(requested).toMatchObject({ status: 'RUNNING', cancelRequested: true });
    const cancelled = await h.waitForStatus(run.id, 'CANCELLED');
    const meta = await h.store.checkpoints.getMeta(run.id, 0);
    expect(meta?.step).toBe(cancelled.currentStep);
    expect(meta?.step).toBeGreaterThanOrEqual(20);
    const lastLoss = (await h.points(run.id, ['loss'])).at(-1);
    expect(lastLoss?.step).toBe(meta?.step);
    await expect(scheduler.cancel(PROJECT, run.id)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    await scheduler.stop();
  });

  it('never trains more runs at once than it has workers; queued runs wait and can be cancelled at once', async () => {
    const { scheduler, registry } = h.scheduler('replica-c', { workers: 2 });
    const long = smoke({ maxSteps: 1_000_000, checkpointEvery: 1_000_000, evalEvery: 1_000_000 });
    const runs = [];
    for (let i = 0; i < 4; i += 1) runs.push(await h.queue({ ...long, seed: i }));
    await scheduler.start();
    await h.waitFor(runs[1]?.id ?? '', (r) => r.status === 'RUNNING' && r.currentStep > 0);
    for (let sample = 0; sample < 5; sample += 1) {
      const statuses = await Promise.all(runs.map(async (r) => (await h.get(r.id)).status));
      expect(statuses).toEqual(['RUNNING', 'RUNNING', 'QUEUED', 'QUEUED']);
      expect(scheduler.activeRunIds.sort()).toEqual([runs[0]?.id, runs[1]?.id].sort());
      await new Promise((r) => setTimeout(r, 100));
    }
    const text = await registry.metrics();
    expect(text).toContain('gradnoise_queue_depth 2');
    expect(text).toMatch(
      new RegExp(`gradnoise_run_loss\\{run_id="${runs[0]?.id}",trainer="smoke"\\} [0-9.e-]+`),
    );
    // Cancelling a queued run needs no worker; cancelling a running one frees its worker for the next.
    expect((await scheduler.cancel(PROJECT, runs[3]?.id ?? '')).status).toBe('CANCELLED');
    await scheduler.cancel(PROJECT, runs[0]?.id ?? '');
    await h.waitFor(runs[2]?.id ?? '', (r) => r.status === 'RUNNING');
    for (const r of [runs[1], runs[2]]) await scheduler.cancel(PROJECT, r?.id ?? '');
    for (const r of runs) await h.waitForStatus(r.id, 'CANCELLED');
    await scheduler.stop();
  });

  it('fails a run whose loss becomes non-finite, naming the step, and keeps the worker usable', async () => {
    const { scheduler } = h.scheduler('replica-d');
    await scheduler.start();
    const bad = await h.queue(smoke({ optimizer: { kind: 'sgd', learningRate: 1e30 }, noise: { eta: 0 } }));
    scheduler.wake();
    const failed = await h.waitForStatus(bad.id, 'FAILED');
    expect(failed.error).toMatch(
      /^step \d+: loss is (NaN|Infinity|-Infinity); a non-finite loss ends the run$/,
    );
    const good = await h.queue(smoke({ maxSteps: 10 }));
    scheduler.wake();
    await h.waitForStatus(good.id, 'COMPLETED');
    await scheduler.stop();
  });
});
