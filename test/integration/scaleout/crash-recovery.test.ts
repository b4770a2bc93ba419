import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../src/core/index.js';
import type { StartRunRequest } from '../../../src/generated/proto/gradnoise/v1/StartRunRequest.js';
import { decodeCheckpoint } from '../../../src/runs/index.js';
import { api, createClient } from '../../helpers/client.js';
import { bySummaryKey, recomputeSummaries } from '../../helpers/metric-summary.js';
import { freePort } from '../../setup/postgres.js';
import { useReplicaCluster } from './cluster.js';
import { checkLossSeries, eventually, metricHistory } from './series.js';

// Real processes, real kill -9: a replica dies mid-run without any shutdown hook, and a new process
// (another replica id) takes the run over once its 2-second lease lapses.

const SPEC: StartRunRequest = {
  trainer: 'smoke',
  optimizer: { kind: 'OPTIMIZER_KIND_ADAM', learningRate: 0.01 },
  noise: { eta: 0.3 },
  seed: 7,
  maxSteps: 3000,
  evalEvery: 500,
  checkpointEvery: 100,
};

const modelTensors = (bytes: Uint8Array) =>
  decodeCheckpoint(bytes).model.map((t) => ({
    name: t.name,
    shape: t.shape,
    bytes: Buffer.from(t.values.buffer),
  }));

describe('crash recovery with real processes (kill -9)', () => {
  const cluster = useReplicaCluster();
  const start = cluster.start;

  it('a killed replica’s run resumes elsewhere from its checkpoint, completes on attempt 2 with no gap or duplicate, bit-identical to an uninterrupted run; past max attempts it FAILS with the reason', async () => {
    const { store, db } = cluster;
    const first = await start('replica-a');
    expect(first.logs.some((l) => l.msg?.startsWith('authentication OFF'))).toBe(true);
    const clientA = createClient(first.address);
    const killed = await api(clientA).startRun({ ...SPEC, requestId: 'killed' });
    clientA.close();

    // Kill it once it has checkpointed, mid-run. The stored current step cannot tell how far past
    // the checkpoint it trained: a checkpoint forces a progress write and the writes between are
    // throttled to one a second, so on a fast machine the stored step is always the checkpoint's.
    // A short pause lets it train on past the checkpoint, whose steps attempt 2 then trains again.
    const progress = await eventually(
      'a checkpoint mid-run',
      async () => {
        const run = await store.runs.get('default', killed.id);
        const checkpoint = await store.checkpoints.getMeta(killed.id, 0);
        return run.status === 'RUNNING' && checkpoint !== null && checkpoint.step < 2000
          ? { checkpoint: checkpoint.step }
          : undefined;
      },
      120_000,
      10,
    );
    await sleep(30);
    await first.kill();
    const orphan = await store.runs.get('default', killed.id);
    expect(orphan).toMatchObject({ status: 'RUNNING', owner: 'replica-a', attempt: 1 });

    const second = await start('replica-b');
    const clientB = createClient(second.address);
    const straight = await api(clientB).startRun({ ...SPEC, requestId: 'straight' });
    const done = await eventually(
      'both runs to finish',
      async () => {
        const a = await store.runs.get('default', killed.id);
        const b = await store.runs.get('default', straight.id);
        return a.status === 'COMPLETED' && b.status === 'COMPLETED' ? a : undefined;
      },
      180_000,
      200,
    );
    expect(done).toMatchObject({ attempt: 2, error: null, currentStep: 3000 });
    const resumed = second.logs.find(
      (l) => l.msg === 'run resumed from its checkpoint' && l.runId === killed.id,
    );
    expect(Number(resumed?.fromStep)).toBeGreaterThanOrEqual(progress.checkpoint);
    expect(Number(resumed?.fromStep)).toBeLessThan(3000);

    // Every step 1..3000 has exactly one loss point, and the two series are the same values.
    const [killedSeries, straightSeries] = await checkLossSeries(db.url, [
      { id: killed.id, maxSteps: 3000 },
      { id: straight.id, maxSteps: 3000 },
    ]);
    expect(killedSeries).toMatchObject({ points: 3000, missing: [], duplicates: 0 });
    expect(straightSeries).toMatchObject({ points: 3000, missing: [], duplicates: 0 });
    const history = (id: string) => metricHistory(store.metrics, id);
    expect(await history(killed.id)).toEqual(await history(straight.id));
    // The stored summaries stayed exact through the steps the resumed attempt wrote again: each
    // equals a recomputation from the run's points, and the two runs' are the same.
    for (const id of [killed.id, straight.id]) {
      const points: MetricPoint[] = [];
      for await (const batch of store.metrics.replay(id, { sinceStep: 0 })) points.push(...batch);
      expect([...(await store.metrics.summaries([id]))].sort(bySummaryKey)).toEqual(
        recomputeSummaries(points),
      );
    }
    expect(await store.metrics.summaries([killed.id])).toEqual(
      (await store.metrics.summaries([straight.id])).map((s) => ({ ...s, runId: killed.id })),
    );
    const finalOf = async (id: string) => modelTensors(await store.checkpoints.getData(id, 3000));
    const resumedWeights = await finalOf(killed.id);
    expect(resumedWeights.length).toBeGreaterThan(0);
    expect(resumedWeights).toEqual(await finalOf(straight.id));

    // Past GRADNOISE_MAX_ATTEMPTS: the replica that recovers it fails it, saying why.
    const doomed = await api(clientB).startRun({ ...SPEC, maxSteps: 1_000_000, requestId: 'doomed' });
    clientB.close();
    await eventually(
      'the doomed run to train',
      async () => {
        const run = await store.runs.get('default', doomed.id);
        return run.status === 'RUNNING' && run.currentStep > 10 ? run : undefined;
      },
      60_000,
      50,
    );
    await second.kill();
    const metricsPort = await freePort();
    const third = await start('replica-c', {
      GRADNOISE_MAX_ATTEMPTS: '1',
      GRADNOISE_METRICS_HOST: '127.0.0.2',
      GRADNOISE_METRICS_PORT: String(metricsPort),
    });
    const failed = await eventually(
      'the doomed run to fail',
      async () => {
        const run = await store.runs.get('default', doomed.id);
        return run.status === 'FAILED' ? run : undefined;
      },
      30_000,
      100,
    );
    expect(failed).toMatchObject({ attempt: 1, owner: null });
    expect(failed.error).toBe('lease of replica-b expired on attempt 1 of 1');

    // GRADNOISE_METRICS_HOST binds /metrics to that interface only.
    const scrape = await fetch(`http://127.0.0.2:${metricsPort}/metrics`);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain('grpc_server_started_total');
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();

    await third.stop();
    expect(await third.exited).toBe('0');
  }, 420_000);
});
