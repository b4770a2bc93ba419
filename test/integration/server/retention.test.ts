import { type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartRunRequest } from '../../../src/generated/proto/gradnoise/v1/StartRunRequest.js';
import { api, failure, waitForStatus } from '../../helpers/client.js';
import { fieldViolation } from '../../helpers/field-violation.js';
import { startTestService, type TestService } from '../../helpers/service.js';

// Checkpoint retention through a real server, workers and PostgreSQL, and what DeleteRun and the
// prune do with a checkpoint another run's init_from names.

let service: TestService;
let client: ReturnType<typeof api>;
beforeAll(async () => {
  service = await startTestService({ workers: 1 });
  client = api(service.client);
});
afterAll(() => service.stop());

const SMOKE: StartRunRequest = { trainer: 'smoke', seed: 4, evalEvery: 5, checkpointEvery: 5 };
const listed = async (runId: string) =>
  (await client.listCheckpoints({ runId, pageSize: 1000 })).checkpoints.map((c) => Number(c.step));

describe('checkpoint retention', () => {
  it('keeps the latest and the best by the metric; the others are gone from ListCheckpoints and GetCheckpoint', async () => {
    const run = await client.startRun({
      ...SMOKE,
      maxSteps: 40,
      retention: { keepBest: { metric: 'test_accuracy' } },
    });
    expect(run.spec?.retention).toEqual({
      keepLast: 0,
      keepBest: { metric: 'test_accuracy', direction: 'METRIC_DIRECTION_MAX', count: 1 },
    });
    await waitForStatus(service.client, run.id, ['RUN_STATUS_COMPLETED'], 120_000);
    const { points } = await client.getRunMetrics({ runId: run.id, names: ['test_accuracy'] });
    // The best at a checkpoint's step (all of them here), the later on a tie.
    const best = [...points].sort((a, b) => b.value - a.value || Number(b.step) - Number(a.step))[0];
    expect(await listed(run.id)).toEqual([...new Set([Number(best?.step), 40])].sort((a, b) => a - b));
    const pruned = [5, 10, 15, 20, 25, 30, 35].find((step) => step !== Number(best?.step)) ?? 0;
    const error = await failure(client.getCheckpoint({ runId: run.id, step: pruned }));
    expect(error.code).toBe(status.NOT_FOUND);
  });

  it('never prunes the checkpoint a run starts from, and DeleteRun refuses its run naming that run', async () => {
    const parent = await client.startRun({ ...SMOKE, maxSteps: 1_000_000, retention: { keepLast: 1 } });
    let child: Awaited<ReturnType<typeof client.startRun>> | undefined;
    // Step 0: the latest checkpoint, which the training parent may prune before the child is
    // stored (NOT_FOUND naming init_from.step); then ask again.
    for (let tries = 0; child === undefined && tries < 200; tries++) {
      child = await client
        .startRun({ ...SMOKE, maxSteps: 5, initFrom: { runId: parent.id } })
        .catch((error: ServiceError) => {
          if (error.code !== status.NOT_FOUND) throw error;
          return new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 20));
        });
    }
    if (child === undefined) throw new Error('no checkpoint to start from');
    const kept = Number(child.initFrom?.step);
    // The parent trains on past it, pruning as it goes, then stops.
    for (
      let i = 0;
      i < 600 && Number((await client.getRun({ runId: parent.id })).currentStep) < kept + 50;
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await client.cancelRun({ runId: parent.id });
    const stopped = await waitForStatus(service.client, parent.id, ['RUN_STATUS_CANCELLED'], 60_000);
    const steps = await listed(parent.id);
    expect(steps).toContain(kept);
    expect(steps).toHaveLength(2);
    expect(Math.max(...steps)).toBeGreaterThan(kept);
    expect(Number(stopped.currentStep)).toBeGreaterThan(kept + 5);

    await waitForStatus(service.client, child.id, ['RUN_STATUS_COMPLETED'], 60_000);
    const refused = await failure(client.deleteRun({ runId: parent.id }));
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.details).toBe(
      `run ${parent.id} cannot be deleted: run ${child.id} started from its checkpoint at step ${kept} ` +
        `(its init_from); delete run ${child.id} first`,
    );
    expect(await listed(parent.id)).toEqual(steps);
    await client.deleteRun({ runId: child.id });
    expect(Number((await client.deleteRun({ runId: parent.id })).checkpointsDeleted)).toBe(2);
  });

  it.each<[string, StartRunRequest['retention'], string]>([
    [
      'a negative keep_last',
      { keepLast: -1 },
      'retention.keep_last: got -1; allowed: an integer in [0, 1000000]',
    ],
    [
      'an undeclared metric',
      { keepBest: { metric: 'grad_norm' } },
      'retention.keep_best.metric: got "grad_norm"; allowed: a metric trainer smoke declares',
    ],
    [
      'a count over 1000',
      { keepBest: { metric: 'loss', count: 1001 } },
      'retention.keep_best.count: got 1001',
    ],
    [
      'an unknown direction',
      { keepBest: { metric: 'loss', direction: 9 as unknown as 'METRIC_DIRECTION_MIN' } },
      'retention.keep_best.direction: got 9',
    ],
  ])('answers %s with INVALID_ARGUMENT naming the field', async (_, retention, text) => {
    const error = await failure(client.startRun({ ...SMOKE, retention: retention ?? null }));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain(text);
    expect(fieldViolation(error).field).toBe(text.slice(0, text.indexOf(':')));
  });
});
