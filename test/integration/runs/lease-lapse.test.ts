import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/index.js';
import { createHarness, type Harness, smoke } from './harness.js';

const LEASE_MS = 1_500;

describe('RunScheduler: a lapsed lease on a live replica (real PostgreSQL and workers)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterEach(() => h.stopSchedulers());
  afterAll(() => h.close());

  it("the replica claims the run again and keeps renewing the new attempt's lease", async () => {
    // Long enough to outlast several leases, with frequent checkpoints to resume from.
    const run = await h.queue(smoke({ maxSteps: 200_000, checkpointEvery: 50, evalEvery: 1_000 }));
    // Metric writes that take a while, as under load: an aborted attempt settles only after its
    // final flush, so the poll tick can claim the requeued run again before the old attempt is done.
    let slow = false;
    const slowMetrics: Store['metrics'] = {
      ...h.store.metrics,
      upsertMany: async (points) => {
        if (slow) await new Promise((resolve) => setTimeout(resolve, 300));
        return h.store.metrics.upsertMany(points);
      },
    };
    const { scheduler, logger } = h.scheduler(
      'replica-1',
      { leaseMs: LEASE_MS, pollMs: 20 },
      { store: { ...h.store, metrics: slowMetrics } },
    );
    await scheduler.start();
    await h.waitFor(run.id, (r) => r.currentStep >= 100);

    // The lease lapses while the attempt trains (as when the replica's event loop or the database
    // stalls past the lease): its own poll tick requeues the run and, being the only replica,
    // claims it again while the old attempt is still being aborted.
    slow = true;
    await h.store.runs.renewLeases('replica-1', [run.id], 1);
    await h.waitFor(run.id, (r) => r.attempt === 2 && r.status === 'RUNNING', 20_000);

    // Once the old attempt has settled, several lease periods later, the second attempt still
    // holds its lease: it is renewed, not left to lapse attempt after attempt until the run fails.
    slow = false;
    const deadline = Date.now() + 20_000;
    while (!logger.lines.some((l) => l.message === 'run attempt ended' && l.fields.outcome === 'ABORTED')) {
      if (Date.now() > deadline) throw new Error('the first attempt never settled');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 4 * LEASE_MS));
    expect(await h.get(run.id)).toMatchObject({ status: 'RUNNING', attempt: 2, owner: 'replica-1' });
    const resumed = logger.lines.filter((l) => l.message === 'run resumed from its checkpoint');
    expect(resumed.map((l) => l.fields.attempt)).toEqual([2]);
  });
});
