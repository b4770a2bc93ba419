import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSpec } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec } from '../../../src/runs/compile-spec.js';
import { api, waitForStatus } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ workers: 2 });
});
afterAll(() => service.stop());

const key = (p: { step: string | number; name: string }) => `${p.step}/${p.name}`;

describe('StreamMetrics, CancelRun, idempotency and listing', () => {
  it('replays from since_step, and two concurrent watchers see the same complete series', async () => {
    const client = api(service.client);
    const run = await client.startRun({ trainer: 'smoke', maxSteps: 150, seed: 3 });
    const [a, b] = await Promise.all([
      client.streamMetrics({ runId: run.id, sinceStep: 0 }),
      client.streamMetrics({ runId: run.id, sinceStep: 0 }),
    ]);
    const pa = a.flatMap((m) => m.points).map(key);
    const pb = b.flatMap((m) => m.points).map(key);
    expect(pa).toEqual(pb);
    expect(new Set(pa).size).toBe(pa.length); // no duplicates at the replay/live seam
    expect(pa.filter((k) => k.endsWith('/loss'))).toHaveLength(150);

    const replay = await client.streamMetrics({ runId: run.id, sinceStep: 100, names: ['loss'] });
    const steps = replay.flatMap((m) => m.points).map((p) => Number(p.step));
    expect(steps).toEqual(Array.from({ length: 50 }, (_, i) => 101 + i));
    expect(replay.flatMap((m) => m.points).every((p) => p.name === 'loss')).toBe(true);
    expect(replay.at(-1)).toMatchObject({ final: true, status: 'RUN_STATUS_COMPLETED' });
  });

  it('cancels a running run gracefully: final checkpoint, status CANCELLED; a second cancel is FAILED_PRECONDITION', async () => {
    const client = api(service.client);
    const run = await client.startRun({ trainer: 'smoke', maxSteps: 1_000_000, checkpointEvery: 1_000_000 });
    await waitForStatus(service.client, run.id, ['RUN_STATUS_RUNNING']);
    // Let it train a little so the cancel lands mid-run.
    const deadline = Date.now() + 20_000;
    while (Number((await client.getRun({ runId: run.id })).currentStep) < 5 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const cancelling = await client.cancelRun({ runId: run.id });
    expect(['RUN_STATUS_RUNNING', 'RUN_STATUS_CANCELLED']).toContain(cancelling.status);
    const stream = await client.streamMetrics({ runId: run.id, sinceStep: 0, names: ['loss'] });
    expect(stream.at(-1)).toMatchObject({ final: true, status: 'RUN_STATUS_CANCELLED' });
    const done = await client.getRun({ runId: run.id });
    expect(done.status).toBe('RUN_STATUS_CANCELLED');
    const [meta] = await client.getCheckpoint({ runId: run.id, step: 0 });
    expect(Number(meta?.step)).toBeGreaterThan(0);
    expect(Number(meta?.step)).toBeLessThan(1_000_000);
    await expect(client.cancelRun({ runId: run.id })).rejects.toMatchObject({ code: 9 });
  });

  it('runs and shows a run an older replica stored without noise.generator as a ziggurat run', async () => {
    const { generator: _, ...noise } = compileRunSpec(
      { trainer: 'smoke', maxSteps: 5, seed: 4 },
      ANY_DATA_DIR,
    ).noise;
    const spec = {
      ...compileRunSpec({ trainer: 'smoke', maxSteps: 5, seed: 4 }, ANY_DATA_DIR),
      noise,
    } as unknown as RunSpec;
    const { run: stored } = await service.store.runs.create({
      project: 'default',
      requestId: null,
      spec,
      labels: {},
    });
    const client = api(service.client);
    await waitForStatus(service.client, stored.id, ['RUN_STATUS_COMPLETED']);
    const run = await client.getRun({ runId: stored.id });
    expect(run.spec?.noise?.generator).toBe('NOISE_GENERATOR_ZIGGURAT');
    const listed = await client.listRuns({ pageSize: 100 });
    expect(listed.runs.find((r) => r.id === stored.id)?.spec?.noise?.generator).toBe(
      'NOISE_GENERATOR_ZIGGURAT',
    );
  });

  it('cancels a queued run at once', async () => {
    const client = api(service.client);
    // Fill both workers so the third run stays queued.
    const busy = await Promise.all(
      [1, 2].map(() => client.startRun({ trainer: 'smoke', maxSteps: 1_000_000 })),
    );
    const queued = await client.startRun({ trainer: 'smoke', maxSteps: 10 });
    const cancelled = await client.cancelRun({ runId: queued.id });
    expect(cancelled.status).toBe('RUN_STATUS_CANCELLED');
    await Promise.all(busy.map((r) => client.cancelRun({ runId: r.id })));
    for (const r of busy) await waitForStatus(service.client, r.id, ['RUN_STATUS_CANCELLED']);
  });

  it('returns the first run for a retried request_id, even concurrently', async () => {
    const client = api(service.client);
    const request = { trainer: 'smoke', maxSteps: 5, requestId: 'retry-me-1' };
    const runs = await Promise.all([
      client.startRun(request),
      client.startRun(request),
      client.startRun(request),
    ]);
    expect(new Set(runs.map((r) => r.id)).size).toBe(1);
    const later = await client.startRun(request);
    expect(later.id).toBe(runs[0]?.id);
    expect(later.requestId).toBe('retry-me-1');
  });

  it('lists runs newest first, filtered by status, trainer and label, page by page', async () => {
    const client = api(service.client);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (
          await client.startRun({
            trainer: 'smoke',
            maxSteps: 3,
            labels: { batch: 'list-test', i: String(i) },
          })
        ).id,
      );
    }
    for (const id of ids) await waitForStatus(service.client, id, ['RUN_STATUS_COMPLETED']);
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await client.listRuns({ labels: { batch: 'list-test' }, pageSize: 2, pageToken });
      expect(page.runs.length).toBeLessThanOrEqual(2);
      seen.push(...page.runs.map((r) => r.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    expect(seen).toEqual([...ids].reverse());
    const one = await client.listRuns({ labels: { batch: 'list-test', i: '3' } });
    expect(one.runs.map((r) => r.id)).toEqual([ids[3]]);
    const completed = await client.listRuns({
      statuses: ['RUN_STATUS_COMPLETED'],
      trainer: 'smoke',
      labels: { batch: 'list-test' },
    });
    expect(completed.runs).toHaveLength(5);
    const none = await client.listRuns({ trainer: 'mlp', labels: { batch: 'list-test' } });
    expect(none.runs).toHaveLength(0);
  });
});
