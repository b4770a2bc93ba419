import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createSweepClient, failure, waitForStatus } from '../../helpers/client.js';
import { fieldViolation } from '../../helpers/field-violation.js';
import { startTestService, type TestService } from '../../helpers/service.js';
import { sql } from '../store/fixtures.js';

let service: TestService;
let client: ReturnType<typeof api>;
beforeAll(async () => {
  service = await startTestService({ workers: 2 });
  client = api(service.client);
});
afterAll(() => service.stop());

const count = async (table: 'metric_points' | 'checkpoints', runId: string) =>
  Number(
    (
      await sql<{ n: string }>(service.databaseUrl, `SELECT count(*) AS n FROM ${table} WHERE run_id = $1`, [
        runId,
      ])
    )[0]?.n,
  );

describe('UpdateRun', () => {
  it('sets the display name at StartRun, and changes name and labels as the mask says', async () => {
    const run = await client.startRun({
      trainer: 'smoke',
      maxSteps: 3,
      displayName: 'first try',
      labels: { team: 'vision', tier: 'a' },
    });
    expect(run.displayName).toBe('first try');
    expect(run.spec?.displayName).toBe('first try');

    const renamed = await client.updateRun({
      runId: run.id,
      displayName: 'baseline',
      updateMask: { paths: ['display_name'] },
    });
    expect(renamed).toMatchObject({ displayName: 'baseline', labels: { team: 'vision', tier: 'a' } });

    // One key set, one removed, the rest kept.
    const relabelled = await client.updateRun({
      runId: run.id,
      labels: { owner: 'ana' },
      updateMask: { paths: ['labels.owner', 'labels.tier'] },
    });
    expect(relabelled.labels).toEqual({ team: 'vision', owner: 'ana' });
    expect(relabelled.displayName).toBe('baseline');

    const got = await client.getRun({ runId: run.id });
    expect(got).toMatchObject({ displayName: 'baseline', labels: { team: 'vision', owner: 'ana' } });
    const listed = await client.listRuns({ labels: { owner: 'ana' } });
    expect(listed.runs.map((r) => r.id)).toEqual([run.id]);
    expect((await client.listRuns({ labels: { tier: 'a' } })).runs).toEqual([]);

    // The whole map, and clearing the name.
    const replaced = await client.updateRun({
      runId: run.id,
      labels: { stage: 'final' },
      updateMask: { paths: ['labels', 'display_name'] },
    });
    expect(replaced).toMatchObject({ displayName: '', labels: { stage: 'final' } });
    expect((await client.listRuns({ labels: { owner: 'ana' } })).runs).toEqual([]);
    expect((await client.listRuns({ labels: { stage: 'final' } })).runs.map((r) => r.id)).toEqual([run.id]);
  });

  it('refuses bad input with a BadRequest naming the field, and changes nothing', async () => {
    const run = await client.startRun({ trainer: 'smoke', maxSteps: 2, labels: { a: '1' } });
    const cases: [Parameters<typeof client.updateRun>[0], string, RegExp][] = [
      [
        { runId: run.id, updateMask: { paths: ['labels', 'status'] } },
        'update_mask.paths[1]',
        /got "status"/,
      ],
      [{ runId: run.id }, 'update_mask', /got "no paths"/],
      [
        { runId: run.id, displayName: 'x', updateMask: { paths: ['labels'] } },
        'display_name',
        /does not name/,
      ],
      [
        { runId: run.id, displayName: 'x'.repeat(129), updateMask: { paths: ['display_name'] } },
        'display_name',
        /at most 128 characters/,
      ],
      [
        { runId: run.id, labels: { 'no spaces': 'v' }, updateMask: { paths: ['labels'] } },
        'labels["no spaces"]',
        /a key of 1-63 characters/,
      ],
      [
        { runId: run.id, labels: { b: '2' }, updateMask: { paths: ['labels.a'] } },
        'labels["b"]',
        /add "labels" or "labels.b"/,
      ],
      [{ runId: '', updateMask: { paths: ['labels'] } }, 'run_id', /a non-empty id/],
    ];
    for (const [request, field, message] of cases) {
      const error = await failure(client.updateRun(request));
      expect(error.code, field).toBe(status.INVALID_ARGUMENT);
      expect(fieldViolation(error).field).toBe(field);
      expect(error.details).toMatch(message);
    }
    const tooMany = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v']));
    const error = await failure(
      client.updateRun({
        runId: run.id,
        labels: tooMany,
        updateMask: { paths: Object.keys(tooMany).map((k) => `labels.${k}`) },
      }),
    );
    expect(fieldViolation(error)).toEqual({
      field: 'labels',
      description: 'got "33 labels after the update"; allowed: at most 32 labels on a run',
    });
    const startError = await failure(client.startRun({ trainer: 'smoke', displayName: 'a\u0007b' }));
    expect(fieldViolation(startError).field).toBe('display_name');
    expect(await client.getRun({ runId: run.id })).toMatchObject({ displayName: '', labels: { a: '1' } });
    await expect(
      client.updateRun({ runId: '00000000-0000-4000-8000-000000000000', updateMask: { paths: ['labels'] } }),
    ).rejects.toMatchObject({ code: status.NOT_FOUND });
  });
});

describe('DeleteRun', () => {
  it('deletes a finished run with its points and checkpoints; every RPC then answers NOT_FOUND', async () => {
    const run = await client.startRun({ trainer: 'smoke', maxSteps: 12, checkpointEvery: 4 });
    const keep = await client.startRun({ trainer: 'smoke', maxSteps: 4, checkpointEvery: 2 });
    await waitForStatus(service.client, run.id, ['RUN_STATUS_COMPLETED']);
    await waitForStatus(service.client, keep.id, ['RUN_STATUS_COMPLETED']);
    const points = await count('metric_points', run.id);
    const listed = (await client.listCheckpoints({ runId: run.id })).checkpoints;
    expect(points).toBeGreaterThan(12);
    expect(listed.map((c) => Number(c.step))).toEqual([4, 8, 12]);
    const keptPoints = await count('metric_points', keep.id);

    const deleted = await client.deleteRun({ runId: run.id });
    expect(deleted.run).toMatchObject({ id: run.id, status: 'RUN_STATUS_COMPLETED' });
    expect(Number(deleted.metricPointsDeleted)).toBe(points);
    expect(Number(deleted.checkpointsDeleted)).toBe(3);
    expect(Number(deleted.checkpointBytesDeleted)).toBe(
      listed.reduce((sum, c) => sum + Number(c.sizeBytes), 0),
    );

    const notFound = expect.objectContaining({ code: status.NOT_FOUND });
    await expect(client.getRun({ runId: run.id })).rejects.toEqual(notFound);
    await expect(client.getCheckpoint({ runId: run.id, step: 4 })).rejects.toEqual(notFound);
    await expect(client.streamMetrics({ runId: run.id })).rejects.toEqual(notFound);
    await expect(client.listCheckpoints({ runId: run.id })).rejects.toEqual(notFound);
    await expect(client.updateRun({ runId: run.id, updateMask: { paths: ['labels'] } })).rejects.toEqual(
      notFound,
    );
    await expect(client.deleteRun({ runId: run.id })).rejects.toEqual(notFound);
    expect(await count('metric_points', run.id)).toBe(0);
    expect(await count('checkpoints', run.id)).toBe(0);
    expect((await client.listRuns({ pageSize: 1000 })).runs.map((r) => r.id)).not.toContain(run.id);
    // Another run keeps everything.
    expect(await count('metric_points', keep.id)).toBe(keptPoints);
    expect((await client.listCheckpoints({ runId: keep.id })).checkpoints).toHaveLength(2);
  });

  it('refuses a QUEUED or RUNNING run naming its status, and deletes it once cancelled', async () => {
    const long = await client.startRun({ trainer: 'smoke', maxSteps: 1_000_000, checkpointEvery: 1_000_000 });
    await waitForStatus(service.client, long.id, ['RUN_STATUS_RUNNING']);
    const error = await failure(client.deleteRun({ runId: long.id }));
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    expect(error.details).toMatch(new RegExp(`^run ${long.id} is RUNNING: only a finished run`));
    expect((await client.getRun({ runId: long.id })).status).toBe('RUN_STATUS_RUNNING');

    await client.cancelRun({ runId: long.id });
    await waitForStatus(service.client, long.id, ['RUN_STATUS_CANCELLED']);
    const checkpoints = (await client.listCheckpoints({ runId: long.id })).checkpoints;
    const deleted = await client.deleteRun({ runId: long.id });
    expect(Number(deleted.checkpointsDeleted)).toBe(checkpoints.length);
    expect(await count('metric_points', long.id)).toBe(0);
  });

  it("refuses a sweep's run naming the sweep, and keeps its reserved labels", async () => {
    const sweeps = createSweepClient(service.address);
    try {
      const sweep = await sweeps.api.startSweep({
        name: 'keep',
        base: { trainer: 'smoke', maxSteps: '2' },
        seeds: 1,
        compareNoise: false,
      });
      const [run] = (await client.listRuns({ sweepId: sweep.id })).runs;
      if (run === undefined) throw new Error('no sweep run');
      await waitForStatus(service.client, run.id, ['RUN_STATUS_COMPLETED']);
      const error = await failure(client.deleteRun({ runId: run.id }));
      expect(error.code).toBe(status.FAILED_PRECONDITION);
      expect(error.details).toContain(`belongs to sweep ${sweep.id}`);

      const changed = await failure(
        client.updateRun({ runId: run.id, labels: { seed: '99' }, updateMask: { paths: ['labels.seed'] } }),
      );
      expect(fieldViolation(changed).field).toBe('labels["seed"]');
      const removed = await failure(
        client.updateRun({ runId: run.id, updateMask: { paths: ['labels.sweep_id'] } }),
      );
      expect(fieldViolation(removed).field).toBe('update_mask.paths[0]');
      // Replacing the whole map keeps them.
      const updated = await client.updateRun({
        runId: run.id,
        labels: { note: 'ok' },
        updateMask: { paths: ['labels', 'display_name'] },
        displayName: 'cell 1',
      });
      expect(updated.labels).toEqual({ ...run.labels, note: 'ok' });
      expect(updated.displayName).toBe('cell 1');
      expect((await sweeps.api.getSweep({ sweepId: sweep.id })).id).toBe(sweep.id);
      // A sweep's base may not carry a display name.
      const base = await failure(
        sweeps.api.startSweep({ name: 'named', base: { trainer: 'smoke', displayName: 'x' }, seeds: 1 }),
      );
      expect(fieldViolation(base).field).toBe('base.display_name');
    } finally {
      sweeps.client.close();
    }
  });
});
