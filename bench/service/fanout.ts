import type { MessageStream } from '../../src/client/index.js';
import type { StreamMetricsResponse__Output } from '../../src/generated/proto/gradnoise/v1/StreamMetricsResponse.js';
import { fixed, goalRow, infoRow, int, type SectionOutcome } from '../lib/report.js';
import { mlpRequest, waitForProgress } from '../lib/runs.js';
import { type ServiceProcess, trainingClient } from '../lib/service.js';
import { quantile } from '../lib/stats.js';

/**
 * StreamMetrics fan-out (issue 3): one paper mlp run (20 × 50, batch 100) trains while `watchers`
 * clients, spread over `connections` TCP connections, stream its metrics. For `seconds` seconds
 * every point received is timed from its production (the point's time, stamped by the training
 * worker when the step ended) to its arrival at the client (same machine clock). The delivery path
 * is the service's own: the worker's batching (a post at least every 50 ms), the main thread, the
 * live hub, gRPC. Points produced before the window (the replay at connect) are not counted.
 */
export async function fanoutSection(options: {
  readonly quick: boolean;
  readonly service: () => Promise<ServiceProcess>;
}): Promise<SectionOutcome> {
  const watchers = options.quick ? 20 : 200;
  const connections = 4;
  const seconds = options.quick ? 3 : 15;
  const service = await options.service();
  const control = trainingClient(service.address);
  const clients = Array.from({ length: connections }, () => trainingClient(service.address, true));
  const streams: MessageStream<StreamMetricsResponse__Output>[] = [];
  const latencies: number[] = [];
  let errors = 0;
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.POSITIVE_INFINITY;
  /** Share of one core each side used during the window: the service's event loop, this client. */
  const busy = { service: Number.NaN, client: Number.NaN };
  const run = await control.api.startRun(mlpRequest(3, 1_000_000));
  try {
    await waitForProgress(control.api, run.id, 5, 120_000);
    const reading: Promise<void>[] = [];
    for (let w = 0; w < watchers; w += 1) {
      const stream = (clients[w % connections] as (typeof clients)[number]).api.streamMetrics({
        runId: run.id,
        sinceStep: 0,
        names: [],
      });
      streams.push(stream);
      reading.push(
        (async () => {
          try {
            for await (const message of stream) {
              const now = Date.now();
              for (const p of message.points) {
                const produced = Number(p.time?.seconds ?? 0) * 1000 + (p.time?.nanos ?? 0) / 1e6;
                if (produced >= windowStart && produced < windowEnd) latencies.push(now - produced);
              }
            }
          } catch (error) {
            if ((error as { code?: number }).code !== 1) errors += 1; // 1: CANCELLED, by us at the end
          }
        })(),
      );
    }
    // Let every watcher finish its replay and join the live feed before the window opens.
    await new Promise((r) => setTimeout(r, options.quick ? 1_000 : 3_000));
    windowStart = Date.now();
    windowEnd = windowStart + seconds * 1000;
    const clientCpu0 = process.cpuUsage();
    const serviceCpu0 = service.cpuSeconds('main');
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const clientCpu = process.cpuUsage(clientCpu0);
    busy.client = (clientCpu.user + clientCpu.system) / 1e6 / seconds;
    busy.service = (service.cpuSeconds('main') - serviceCpu0) / seconds;
    await new Promise((r) => setTimeout(r, 500));
    for (const s of streams) s.cancel();
    await Promise.all(reading);
  } finally {
    await control.api.cancelRun({ runId: run.id }).catch(() => undefined);
    for (const c of [control, ...clients]) c.close();
  }
  const p50 = quantile(latencies, 0.5);
  const p99 = quantile(latencies, 0.99);
  return {
    rows: [
      goalRow(
        `StreamMetrics fan-out to ${watchers} watchers: delivery latency p99`,
        `${fixed(p99, 1)} ms (p50 ${fixed(p50, 1)} ms, max ${fixed(quantile(latencies, 1), 1)} ms)`,
        '≤ 100 ms',
        latencies.length > 0 && p99 <= 100 && errors === 0,
        `point produced → received; includes the worker's batching (a post at least every 50 ms)`,
      ),
      infoRow(
        'fan-out deliveries',
        `${int(latencies.length / seconds)} points/s to all watchers (${int(latencies.length / seconds / watchers)} per watcher); stream errors ${errors}`,
      ),
      infoRow(
        'CPU during the window: service event loop, watcher client',
        `${int(busy.service * 100)} %, ${int(busy.client * 100)} % of a core`,
        'near 100 % means that side is where the points queue up',
      ),
    ],
    data: {
      watchers,
      connections,
      seconds,
      deliveries: latencies.length,
      errors,
      p50,
      p99,
      busy,
      latencies: latencies.slice(0, 20_000),
    },
  };
}
