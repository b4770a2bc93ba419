import type { BenchPostgres } from '../lib/postgres.js';
import { fixed, goalRow, infoRow, int, type Row, type SectionOutcome } from '../lib/report.js';
import { mlpRequest, waitForRuns } from '../lib/runs.js';
import { type ServiceProcess, startService, trainingClient } from '../lib/service.js';
import { mean } from '../lib/stats.js';

/**
 * Section 3: runs per hour of a small sweep through the real service: `runs` mlp runs (depth 20,
 * `steps` steps each, one evaluation and checkpoint at the end) started with StartRun on a fresh
 * service with 1 and with N = 2 workers (the real RunScheduler, worker threads and store), timed
 * from the first StartRun to the last COMPLETED. Configurations alternate 1, 2, 2, 1 so drift of
 * the machine's load hits both alike; scaling efficiency = throughput_N / (N × throughput_1).
 *
 * On a shared machine the wall-clock efficiency says how many idle cores there were as much as how
 * the service scales, so the section also reports the service's CPU seconds per run (all threads):
 * if that stays flat from 1 to N workers, the workers do not slow each other down, and on N idle
 * cores the throughput would scale by N.
 */
export interface SweepSectionOptions {
  readonly quick: boolean;
  readonly postgres: () => Promise<BenchPostgres>;
}

interface Trial {
  readonly workers: number;
  readonly seconds: number;
  readonly runsPerHour: number;
  readonly cpuSecondsPerRun: number;
  readonly peakRssMiB: number;
}

async function trial(service: ServiceProcess, workers: number, runs: number, steps: number): Promise<Trial> {
  const { api, close } = trainingClient(service.address);
  try {
    await api.listTrainers({}); // connect before the clock starts
    const cpu0 = service.cpuSeconds();
    const t0 = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < runs; i += 1) ids.push((await api.startRun(mlpRequest(i + 1, steps))).id);
    await waitForRuns(api, ids, 3_600_000, 100);
    const seconds = (performance.now() - t0) / 1000;
    return {
      workers,
      seconds,
      runsPerHour: (runs / seconds) * 3600,
      cpuSecondsPerRun: (service.cpuSeconds() - cpu0) / runs,
      peakRssMiB: service.peakRssMiB(),
    };
  } finally {
    close();
    await service.stop();
  }
}

export async function sweepSection(options: SweepSectionOptions): Promise<SectionOutcome> {
  const runs = options.quick ? 1 : 8;
  const steps = options.quick ? 20 : 300;
  const order = options.quick ? [1, 2] : [1, 2, 2, 1];
  const n = 2;
  const postgres = await options.postgres();
  const trials: Trial[] = [];
  if (options.quick) {
    // Smoke test: both services start together, to save a start-up; their trials still run apart.
    const services = await Promise.all(order.map((workers) => startService(postgres, { workers })));
    try {
      for (const [i, workers] of order.entries()) {
        trials.push(await trial(services[i] as ServiceProcess, workers, runs, steps));
      }
    } finally {
      await Promise.all(services.map((s) => s.stop())); // again for those a failure skipped: idempotent
    }
  } else {
    for (const workers of order)
      trials.push(await trial(await startService(postgres, { workers }), workers, runs, steps));
  }
  const of = (w: number) => trials.filter((t) => t.workers === w);
  const thr1 = mean(of(1).map((t) => t.runsPerHour));
  const thrN = mean(of(n).map((t) => t.runsPerHour));
  const efficiency = thrN / (n * thr1);
  const cpu1 = mean(of(1).map((t) => t.cpuSecondsPerRun));
  const cpuN = mean(of(n).map((t) => t.cpuSecondsPerRun));
  const rows: Row[] = [
    infoRow(
      `${runs} runs × ${steps} steps, 1 worker`,
      `${int(thr1)} runs/h (${of(1)
        .map((t) => `${fixed(t.seconds, 1)} s`)
        .join(', ')})`,
    ),
    infoRow(
      `${runs} runs × ${steps} steps, ${n} workers`,
      `${int(thrN)} runs/h (${of(n)
        .map((t) => `${fixed(t.seconds, 1)} s`)
        .join(', ')})`,
    ),
    goalRow(
      `scaling efficiency, ${n} workers`,
      fixed(efficiency, 3),
      '≥ 0.90 on idle cores',
      efficiency >= 0.9,
      'wall clock on this shared machine: limited by the idle cores there were (see the load average)',
    ),
    infoRow(
      'service CPU seconds per run, 1 → 2 workers',
      `${fixed(cpu1)} s → ${fixed(cpuN)} s (ratio ${fixed(cpuN / cpu1, 3)})`,
      'flat means the workers do not slow each other down; throughput then scales with free cores',
    ),
    infoRow(
      'service peak RSS, 1 → 2 workers',
      `${int(mean(of(1).map((t) => t.peakRssMiB)))} MiB → ${int(mean(of(n).map((t) => t.peakRssMiB)))} MiB`,
    ),
  ];
  return { rows, data: { runs, steps, order, trials, efficiency, cpuRatio: cpuN / cpu1 } };
}
