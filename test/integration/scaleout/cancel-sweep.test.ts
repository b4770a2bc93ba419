import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../../src/store/index.js';
import { api, createSweepClient, waitForStatus } from '../../helpers/client.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { type InProcessReplica, startInProcessReplica } from './in-process.js';
import { eventually } from './series.js';

describe('scale-out: CancelSweep through one replica', () => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase();
    store = await createStore({ databaseUrl: db.url, poolSize: 2 });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('stops a sweep run training on another replica at once (NOTIFY, not the lease renewal)', async () => {
    const replicas: InProcessReplica[] = [];
    let sweepId = '';
    try {
      // A trains one run at a time and renews leases (noticing remote cancels) only every 20 s;
      // B trains nothing and takes the cancel.
      const a = await startInProcessReplica(db.url, { owner: 'replica-a', workers: 1, leaseMs: 60_000 });
      replicas.push(a);
      const b = await startInProcessReplica(db.url, { owner: 'replica-b' }, { start: false });
      replicas.push(b);
      const aSweeps = createSweepClient(a.address);
      const bSweeps = createSweepClient(b.address);
      try {
        const sweep = await aSweeps.api.startSweep({
          base: { trainer: 'smoke', maxSteps: '1000000', checkpointEvery: '1000000' },
          seeds: 2,
          compareNoise: false,
        });
        sweepId = sweep.id;
        const running = await eventually('a run of the sweep training on A', async () => {
          const [run] = (await api(a.client).listRuns({ sweepId, statuses: ['RUN_STATUS_RUNNING'] })).runs;
          return run !== undefined && Number(run.currentStep) > 0 ? run : undefined;
        });
        expect(a.scheduler.activeRunIds).toEqual([running.id]);

        const cancelledAt = Date.now();
        const result = await bSweeps.api.cancelSweep({ sweepId });
        expect(result).toMatchObject({ cancelled: 1, stopping: 1, state: 'SWEEP_STATE_ACTIVE' });
        const stopped = await waitForStatus(a.client, running.id, ['RUN_STATUS_CANCELLED'], 15_000);
        expect(Date.now() - cancelledAt).toBeLessThan(15_000);
        const { checkpoints } = await api(b.client).listCheckpoints({ runId: running.id });
        expect(checkpoints.map((c) => c.step)).toEqual([stopped.currentStep]);
        expect(await bSweeps.api.getSweep({ sweepId })).toMatchObject({
          state: 'SWEEP_STATE_DONE',
          counts: { total: 2, cancelled: 2 },
        });
      } finally {
        aSweeps.client.close();
        bSweeps.client.close();
      }
    } finally {
      // A failed test must not leave its endless runs in the queue.
      if (sweepId !== '') await store.sweeps.cancelRuns('default', sweepId).catch(() => undefined);
      for (const r of replicas) await r.stop();
    }
  });
});
