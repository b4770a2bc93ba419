import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../src/core/index.js';
import { decodeCheckpoint, type WatchEvent } from '../../../src/runs/index.js';
import { createHarness, type Harness, PROJECT, smoke } from './harness.js';

const modelTensors = (bytes: Uint8Array) =>
  decodeCheckpoint(bytes).model.map((t) => ({
    name: t.name,
    shape: t.shape,
    bytes: Buffer.from(t.values.buffer),
  }));

describe('RunScheduler: graceful stop, exact resume, and watching (real PostgreSQL and workers)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterEach(() => h.stopSchedulers());
  afterAll(() => h.close());

  it('stop() suspends a running run to the queue; another replica resumes it from the checkpoint, bit-identically', async () => {
    const request = smoke({ maxSteps: 400, checkpointEvery: 100, evalEvery: 100, seed: 5 });
    const interrupted = await h.queue(request);
    const first = h.scheduler('replica-1');
    await first.scheduler.start();
    await h.waitFor(interrupted.id, (r) => r.currentStep >= 30 && r.currentStep < 300);
    await first.scheduler.stop();

    const released = await h.get(interrupted.id);
    expect(released).toMatchObject({ status: 'QUEUED', owner: null, attempt: 1 });
    const suspendedAt = (await h.store.checkpoints.getMeta(interrupted.id, 0))?.step ?? 0;
    expect(suspendedAt).toBeGreaterThanOrEqual(30);
    expect(suspendedAt).toBeLessThan(400);
    const firstAttempt = first.logger.lines.find((l) => l.message === 'run attempt ended');
    expect(firstAttempt?.fields).toMatchObject({ outcome: 'SUSPENDED', status: 'QUEUED' });

    // A second replica takes the released run (and a fresh copy of the same spec, never interrupted).
    const second = h.scheduler('replica-2', { workers: 2 });
    const straight = await h.queue(request);
    await second.scheduler.start();
    const resumed = await h.waitForStatus(interrupted.id, 'COMPLETED', 60_000);
    await h.waitForStatus(straight.id, 'COMPLETED', 60_000);
    expect(resumed.attempt).toBe(2);
    const resumeLog = second.logger.lines.find(
      (l) => l.message === 'run resumed from its checkpoint' && l.fields.runId === interrupted.id,
    );
    expect(resumeLog?.fields.fromStep).toBe(suspendedAt);

    // Final weights: byte for byte the same as the uninterrupted run's.
    const finalOf = async (id: string) => modelTensors(await h.store.checkpoints.getData(id, 400));
    const resumedWeights = await finalOf(interrupted.id);
    expect(resumedWeights.length).toBeGreaterThan(0);
    expect(resumedWeights).toEqual(await finalOf(straight.id));
    // And so is the metric history, with one point per (name, step).
    const history = async (id: string) =>
      (await h.points(id))
        .filter((p) => p.name !== 'noise_std' || true)
        .map((p) => [p.step, p.name, p.value]);
    expect(await history(interrupted.id)).toEqual(await history(straight.id));
  });

  it('watch replays stored points, then goes live with no gap or duplicate at the seam, and ends with the status', async () => {
    const { scheduler } = h.scheduler('replica-3');
    await scheduler.start();
    const run = await h.queue(smoke({ maxSteps: 600, evalEvery: 50, checkpointEvery: 300 }));
    scheduler.wake();
    const started = await h.waitFor(run.id, (r) => r.currentStep >= 100);
    expect(started.status).toBe('RUNNING');

    const collect = async (sinceStep: number, names: string[]) => {
      const events: WatchEvent[] = [];
      for await (const e of scheduler.watch(started, {
        sinceStep,
        names,
        signal: new AbortController().signal,
      })) {
        events.push(e);
        // A consumer slower than training: live points pile up in the hub meanwhile.
        if (events.length % 10 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      return events;
    };
    const [all, evalOnly] = await Promise.all([collect(20, []), collect(0, ['test_accuracy'])]);

    const end = all.at(-1);
    expect(end).toEqual({ kind: 'end', status: 'COMPLETED' });
    expect(all.slice(0, -1).every((e) => e.kind === 'points')).toBe(true);
    // Some points were delivered while the run was still RUNNING, i.e. the stream went live.
    expect(all.some((e) => e.kind === 'points' && e.status === 'RUNNING')).toBe(true);
    const points = all.flatMap((e) => (e.kind === 'points' ? e.points : []));
    const steps = (name: string) => points.filter((p: MetricPoint) => p.name === name).map((p) => p.step);
    const expected = Array.from({ length: 580 }, (_, i) => i + 21);
    expect(steps('loss')).toEqual(expected);
    expect(steps('grad_norm')).toEqual(expected);
    expect(steps('test_accuracy')).toEqual(
      [50, 100, 150, 200, 250, 300, 350, 400, 450, 500, 550, 600].filter((s) => s > 20),
    );
    // The streamed values are the stored ones.
    const stored = new Map((await h.points(run.id)).map((p) => [`${p.name}@${p.step}`, p.value]));
    for (const p of points) expect(stored.get(`${p.name}@${p.step}`)).toBe(p.value);

    expect(evalOnly.at(-1)).toEqual({ kind: 'end', status: 'COMPLETED' });
    const evalPoints = evalOnly.flatMap((e) => (e.kind === 'points' ? e.points : []));
    expect(evalPoints.every((p) => p.name === 'test_accuracy')).toBe(true);
    expect(evalPoints.map((p) => p.step)).toEqual([
      50, 100, 150, 200, 250, 300, 350, 400, 450, 500, 550, 600,
    ]);
    expect(scheduler.hub.subscriberCount()).toBe(0);

    // A watch of a finished run is a pure replay followed by the end.
    const after = await collect(590, ['loss']);
    expect(after.at(-1)).toEqual({ kind: 'end', status: 'COMPLETED' });
    expect(after.flatMap((e) => (e.kind === 'points' ? e.points.map((p) => p.step) : []))).toEqual([
      591, 592, 593, 594, 595, 596, 597, 598, 599, 600,
    ]);
  });

  it('an aborted watch frees its subscription at once', async () => {
    const { scheduler } = h.scheduler('replica-4');
    await scheduler.start();
    const run = await h.queue(
      smoke({ maxSteps: 1_000_000, evalEvery: 1_000_000, checkpointEvery: 1_000_000 }),
    );
    scheduler.wake();
    const running = await h.waitFor(run.id, (r) => r.currentStep > 10);
    const controller = new AbortController();
    let received = 0;
    for await (const e of scheduler.watch(running, { sinceStep: 0, names: [], signal: controller.signal })) {
      if (e.kind === 'points') received += e.points.length;
      if (received > 200) controller.abort();
    }
    expect(received).toBeGreaterThan(200);
    expect(scheduler.hub.subscriberCount()).toBe(0);
    // Leave no endless run in the shared queue for the next test's replica.
    await scheduler.cancel(PROJECT, run.id);
    await h.waitForStatus(run.id, 'CANCELLED');
  });

  it('drops a watcher that falls behind with RESOURCE_EXHAUSTED and since_step, while training goes on', async () => {
    const { scheduler } = h.scheduler('replica-5', { watchBufferPoints: 30 });
    await scheduler.start();
    const run = await h.queue(smoke({ maxSteps: 1_500, evalEvery: 1_500, checkpointEvery: 1_500 }));
    scheduler.wake();
    const running = await h.waitFor(run.id, (r) => r.currentStep > 10);
    const stream = scheduler.watch(running, {
      sinceStep: 0,
      names: ['loss'],
      signal: new AbortController().signal,
    });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toMatchObject({ kind: 'points' });
    const received = first.done
      ? 0
      : first.value.kind === 'points'
        ? (first.value.points.at(-1)?.step ?? 0)
        : 0;
    // Stop reading while training publishes far more than 30 live points.
    const stepBefore = (await h.get(run.id)).currentStep;
    await h.waitFor(run.id, (r) => r.currentStep > stepBefore + 100);
    let error: unknown;
    try {
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
        /* drain what was buffered before the drop */
      }
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
      message: expect.stringMatching(/fell more than 30 points behind .*reconnect with since_step=\d+$/),
    });
    expect(received).toBeGreaterThan(0);
    expect(scheduler.hub.subscriberCount()).toBe(0);
    // Training did not wait for the watcher.
    await h.waitForStatus(run.id, 'COMPLETED', 60_000);
  });
});
