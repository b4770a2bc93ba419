import { pgCpuMeter } from '../lib/pg-cpu.js';
import { fixed, goalRow, infoRow, int, type SectionOutcome } from '../lib/report.js';
import { mlpRequest, waitForProgress } from '../lib/runs.js';
import { type ServiceProcess, trainingClient } from '../lib/service.js';
import { quantile } from '../lib/stats.js';

/**
 * StartRun latency (issue 3) at `rate` requests per second, open loop: request i is due at
 * t0 + i / rate whatever happened to the earlier ones, and its latency runs from when it was due
 * to its answer, so a slow answer cannot hide the requests queued behind it (coordinated
 * omission). Each request queues a paper mlp run. Meanwhile the service is busy the way a replica
 * usually is: every worker trains an mlp run.
 */
export async function startRunSection(options: {
  readonly quick: boolean;
  readonly service: () => Promise<ServiceProcess>;
  readonly workers: number;
}): Promise<SectionOutcome> {
  const rate = 100;
  const seconds = options.quick ? 3 : 15;
  const service = await options.service();
  const { api, close } = trainingClient(service.address);
  const tag = `bench-${Date.now()}`;
  try {
    const busy = [];
    for (let w = 0; w < options.workers; w += 1)
      busy.push((await api.startRun(mlpRequest(100 + w, 1_000_000))).id);
    for (const id of busy) await waitForProgress(api, id, 1, 120_000);
    for (let i = 0; i < 20; i += 1)
      await api.startRun(mlpRequest(i, 10_000, { requestId: `${tag}-warm-${i}` }));

    const total = rate * seconds;
    const pgCpu = await pgCpuMeter(service.databaseUrl);
    await pgCpu.start();
    const mainCpu0 = service.cpuSeconds('main');
    const latencies: number[] = [];
    const serviceTimes: number[] = [];
    let errors = 0;
    const pending: Promise<void>[] = [];
    const t0 = performance.now() + 50;
    for (let i = 0; i < total; ) {
      const now = performance.now();
      while (i < total && t0 + (i * 1000) / rate <= now) {
        const due = t0 + (i * 1000) / rate;
        const sent = performance.now();
        pending.push(
          api.startRun(mlpRequest(i, 10_000, { requestId: `${tag}-${i}` })).then(
            () => {
              const done = performance.now();
              latencies.push(done - due);
              serviceTimes.push(done - sent);
            },
            () => {
              errors += 1;
            },
          ),
        );
        i += 1;
      }
      const nextDue = t0 + (i * 1000) / rate;
      await new Promise((r) => setTimeout(r, Math.max(0, nextDue - performance.now())));
    }
    await Promise.all(pending);
    const elapsed = (performance.now() - t0) / 1000;
    const mainCpuMs = ((service.cpuSeconds('main') - mainCpu0) * 1000) / total;
    const pgCpuMs = ((await pgCpu.stop()) * 1000) / total;
    for (const id of busy) await api.cancelRun({ runId: id }).catch(() => undefined);
    const p50 = quantile(latencies, 0.5);
    const p99 = quantile(latencies, 0.99);
    return {
      rows: [
        goalRow(
          `StartRun latency at ${rate} requests/s, open loop, ${seconds} s`,
          `p99 ${fixed(p99, 1)} ms, p50 ${fixed(p50, 1)} ms (max ${fixed(quantile(latencies, 1), 1)} ms)`,
          'p99 ≤ 20 ms',
          p99 <= 20 && errors === 0,
          `from the due time; ${options.workers} workers training meanwhile`,
        ),
        infoRow(
          'StartRun, from actual send',
          `p99 ${fixed(quantile(serviceTimes, 0.99), 1)} ms, p50 ${fixed(quantile(serviceTimes, 0.5), 1)} ms; ${int(latencies.length / elapsed)} answered/s; errors ${errors}`,
        ),
        infoRow(
          'CPU per StartRun: service event loop + PostgreSQL backends',
          `${fixed(mainCpuMs)} ms + ${fixed(pgCpuMs)} ms`,
          'what one request costs wherever it waits; 1,000 / their sum ≈ requests/s one free core could serve',
        ),
      ],
      data: { rate, seconds, total, errors, p50, p99, mainCpuMs, pgCpuMs, latencies },
    };
  } finally {
    close();
  }
}
