import type { MetricPoint } from '../../src/core/index.js';
import { createStore } from '../../src/store/index.js';
import { runAdminStatement } from '../../test/helpers/pg-admin.js';
import { pgCpuMeter } from '../lib/pg-cpu.js';
import { fixed, goalRow, infoRow, int, type SectionOutcome } from '../lib/report.js';
import { waitForRuns } from '../lib/runs.js';
import { type ServiceProcess, trainingClient } from '../lib/service.js';
import { median } from '../lib/stats.js';

/**
 * Replay throughput (issue 3): a completed run with `points` stored metric points (8 names per
 * step), read back whole through gRPC StreamMetrics by a real client on loopback, timed on the
 * client from the call to the final message. The points are written with the store's own
 * `upsertMany` (that rate is reported too, as a by-product), then `VACUUM ANALYZE` brings the table
 * to the state autovacuum would after such a bulk load. Repeated `repeats` times; the median counts.
 */
const NAMES = ['train/loss', 'train/acc', 'grad/norm', 'noise/std', 'eval/loss', 'eval/acc', 'lr', 'step_ms'];

export async function replaySection(options: {
  readonly quick: boolean;
  readonly service: () => Promise<ServiceProcess>;
}): Promise<SectionOutcome> {
  const total = options.quick ? 50_000 : 1_000_000;
  const repeats = options.quick ? 1 : 3;
  const service = await options.service();
  const { api, close } = trainingClient(service.address);
  const store = await createStore({ databaseUrl: service.databaseUrl, poolSize: 2 });
  try {
    const run = await api.startRun({ trainer: 'smoke', maxSteps: 1, seed: 1 });
    await waitForRuns(api, [run.id], 120_000);
    const insertStart = performance.now();
    let batch: MetricPoint[] = [];
    for (let i = 0; i < total; i += 1) {
      const step = 1_000 + Math.floor(i / NAMES.length);
      batch.push({
        runId: run.id,
        step,
        name: NAMES[i % NAMES.length] as string,
        value: Math.sin(i),
        timeMs: 1.76e12 + step,
      });
      if (batch.length === 5_000) {
        await store.metrics.upsertMany(batch);
        batch = [];
      }
    }
    await store.metrics.upsertMany(batch);
    const insertSeconds = (performance.now() - insertStart) / 1000;
    await runAdminStatement(service.databaseUrl, 'VACUUM ANALYZE metric_points');

    const rates: number[] = [];
    let received = 0;
    const pgCpu = await pgCpuMeter(service.databaseUrl);
    await pgCpu.start();
    const mainCpu0 = service.cpuSeconds('main');
    const clientCpu0 = process.cpuUsage();
    for (let r = 0; r < repeats; r += 1) {
      received = 0;
      const t0 = performance.now();
      for await (const message of api.streamMetrics({ runId: run.id, sinceStep: 0, names: [] })) {
        received += message.points.length;
      }
      rates.push(received / ((performance.now() - t0) / 1000));
    }
    const replayed = received * repeats;
    const clientCpu = process.cpuUsage(clientCpu0);
    const cpuUs = {
      service: ((service.cpuSeconds('main') - mainCpu0) * 1e6) / replayed,
      postgres: ((await pgCpu.stop()) * 1e6) / replayed,
      client: (clientCpu.user + clientCpu.system) / replayed,
    };
    // The smoke run's own few points come on top of the bulk-loaded ones.
    if (received < total) throw new Error(`replayed ${received} of ${total} points`);
    const rate = median(rates);
    return {
      rows: [
        goalRow(
          `StreamMetrics replay of ${int(total)} stored points`,
          `${int(rate)} points/s (${rates.map((x) => int(x)).join(', ')})`,
          '≥ 200,000 points/s',
          rate >= 200_000,
          'client-side, from the call to the final message',
        ),
        infoRow(
          'CPU per replayed point: service event loop + PostgreSQL + client',
          `${fixed(cpuUs.service)} + ${fixed(cpuUs.postgres)} + ${fixed(cpuUs.client)} µs`,
          'each runs on its own core when there are free ones; the largest bounds the rate at 1e6 / it',
        ),
        infoRow(
          'bulk load through the store (upsertMany, 5,000 per call)',
          `${int(total / insertSeconds)} points/s`,
        ),
      ],
      data: { total, received, rates, insertSeconds, cpuUs },
    };
  } finally {
    close();
    await store.close();
  }
}
