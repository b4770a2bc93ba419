import { compileRunSchedulerOptions, compileRunSpec, type MetricPoint } from '../../src/runs/index.js';
import { WorkerPool } from '../../src/runs/pool.js';
import { MetricSink } from '../../src/runs/sink.js';
import { Control, type FromWorker } from '../../src/runs/worker/protocol.js';
import { createStore, type Store } from '../../src/store/index.js';
import { pgCpuMeter } from '../lib/pg-cpu.js';
import { fixed, goalRow, infoRow, int, type Row, type SectionOutcome } from '../lib/report.js';
import { waitForRuns } from '../lib/runs.js';
import { type ServiceProcess, trainingClient } from '../lib/service.js';
import { describeRatios, median, pairedRatios } from '../lib/stats.js';

/**
 * Metric ingest (issue 3), in two measurements on the service's database:
 *
 * 1. Sink throughput: points pushed into the service's `MetricSink` (the buffer between training
 *    workers and PostgreSQL, with its production settings) in posts of 512 (64 steps of 8 names), about what a worker posts,
 *    as fast as it takes them without dropping any; timed until the last one is stored.
 * 2. Training slowdown: one training worker thread of the service's `WorkerPool` trains the paper
 *    mlp (its per-step times come back in its metric posts), while the sink is offered `targetRate`
 *    points/s in some phases and nothing in others, alternating off, on, on, off. The slowdown is
 *    the median over adjacent on/off pairs of the ratio of median step times; the rate the sink
 *    actually stored during the on phases is reported with it (the goal needs both).
 */
const NAMES = ['train/loss', 'train/acc', 'grad/norm', 'noise/std', 'eval/loss', 'eval/acc', 'lr', 'step_ms'];
const POST = 512;

/** Points 8 names per step, for steps counting up from `firstStep`. */
function points(runId: string, firstStep: number, count: number): MetricPoint[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => ({
    runId,
    step: firstStep + Math.floor(i / NAMES.length),
    name: NAMES[i % NAMES.length] as string,
    value: i,
    timeMs: now,
  }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sinkThroughput(
  store: Store,
  databaseUrl: string,
  runId: string,
  total: number,
): Promise<{ rate: number; dropped: number; cpuUs: { sink: number; postgres: number } }> {
  const sink = new MetricSink(store.metrics);
  const pgCpu = await pgCpuMeter(databaseUrl);
  await pgCpu.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let sent = 0; sent < total; sent += POST) {
    while (sink.buffered > 50_000) await sleep(1);
    sink.add(points(runId, sent / NAMES.length, POST));
    if (sent % (POST * 20) === 0) await sleep(0); // let writes complete, as posts arrive between them
  }
  await sink.close();
  const rate = total / ((performance.now() - t0) / 1000);
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = { sink: (cpu.user + cpu.system) / total, postgres: ((await pgCpu.stop()) * 1e6) / total };
  return { rate, dropped: sink.dropped, cpuUs };
}

interface Phase {
  readonly on: boolean;
  readonly stepMs: number[];
  written: number;
  seconds: number;
}

async function slowdown(
  store: Store,
  runId: string,
  options: { readonly phaseMs: number; readonly blocks: number; readonly targetRate: number },
): Promise<{ phases: Phase[]; ratios: number[]; onRate: number }> {
  // The service's own worker settings (flush interval, points, thread priority).
  const defaults = compileRunSchedulerOptions({ owner: 'bench' });
  const pool = await WorkerPool.start({
    size: 1,
    boot: {
      backend: 'wasm',
      flushIntervalMs: defaults.workerFlushMs,
      flushPoints: defaults.workerFlushPoints,
      nice: defaults.workerNice,
    },
  });
  const sink = new MetricSink(store.metrics);
  let current: Phase | null = null;
  let settleUntil = 0;
  const spec = compileRunSpec({
    trainer: 'mlp',
    optimizer: { kind: 'sgd', learningRate: 0.01 },
    noise: { eta: 0.01 },
    maxSteps: 10_000_000,
    evalEvery: 10_000_000,
    checkpointEvery: 10_000_000,
  });
  let firstPost: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    firstPost = resolve;
  });
  const job = pool.run({ runId: 'bench-ingest', attempt: 1, spec, checkpoint: null }, (m: FromWorker) => {
    if (m.type !== 'metrics') return;
    firstPost();
    if (current !== null && performance.now() >= settleUntil)
      current.stepMs.push(...m.stepSeconds.map((s) => s * 1000));
  });
  if (job === null) throw new Error('no idle training worker');
  const phases: Phase[] = [];
  let step = 0;
  try {
    await started;
    await sleep(2_000); // warm-up
    for (let b = 0; b < options.blocks; b += 1) {
      for (const on of [false, true, true, false]) {
        const phase: Phase = { on, stepMs: [], written: 0, seconds: 0 };
        phases.push(phase);
        current = phase;
        const t0 = performance.now();
        settleUntil = t0 + 300;
        const written0 = sink.written;
        const end = t0 + options.phaseMs;
        let sent = 0;
        while (performance.now() < end) {
          if (on) {
            // Paced: the points due by now at targetRate, in posts of 500.
            const due = ((performance.now() - t0) / 1000) * options.targetRate;
            while (sent + POST <= due) {
              sink.add(points(runId, step, POST));
              step += POST / NAMES.length;
              sent += POST;
            }
          }
          await sleep(on ? 5 : 50);
        }
        phase.seconds = (performance.now() - t0) / 1000;
        phase.written = sink.written - written0;
      }
    }
    current = null;
  } finally {
    job.signal(Control.abort);
    await job.done;
    await pool.close();
    await sink.close();
  }
  const on = phases.filter((p) => p.on);
  const off = phases.filter((p) => !p.on);
  const ratios = pairedRatios(
    on.map((p) => median(p.stepMs)),
    off.map((p) => median(p.stepMs)),
  );
  const onRate = on.reduce((n, p) => n + p.written, 0) / on.reduce((s, p) => s + p.seconds, 0);
  return { phases, ratios, onRate };
}

export async function ingestSection(options: {
  readonly quick: boolean;
  readonly service: () => Promise<ServiceProcess>;
}): Promise<SectionOutcome> {
  const total = options.quick ? 50_000 : 500_000;
  const targetRate = 50_000;
  const service = await options.service();
  const { api, close } = trainingClient(service.address);
  const store = await createStore({ databaseUrl: service.databaseUrl, poolSize: 4 });
  try {
    const run = await api.startRun({ trainer: 'smoke', maxSteps: 1, seed: 2 });
    await waitForRuns(api, [run.id], 120_000);
    const sink = await sinkThroughput(store, service.databaseUrl, run.id, total);
    const slow = await slowdown(store, run.id, {
      phaseMs: options.quick ? 1_500 : 4_000,
      blocks: options.quick ? 1 : 4,
      targetRate,
    });
    const ratio = median(slow.ratios);
    const rows: Row[] = [
      goalRow(
        `metric sink throughput (${int(total)} points, posts of ${POST})`,
        `${int(sink.rate)} points/s, ${sink.dropped} dropped`,
        '≥ 50,000 points/s',
        sink.rate >= targetRate && sink.dropped === 0,
        'MetricSink → store upsertMany → PostgreSQL, production settings',
      ),
      infoRow(
        'CPU per ingested point: sink (event loop) + PostgreSQL',
        `${fixed(sink.cpuUs.sink)} + ${fixed(sink.cpuUs.postgres)} µs`,
        'on free cores the rate is bounded by 1e6 / the larger',
      ),
      goalRow(
        `training slowdown while the sink ingests (offered ${int(targetRate)} points/s)`,
        `${describeRatios(slow.ratios)} (step time, ingest on / off) at ${int(slow.onRate)} points/s stored`,
        `≤ 1.05 at ≥ ${int(targetRate)} points/s`,
        ratio <= 1.05 && slow.onRate >= targetRate,
        'one worker training the 20 × 50 mlp; the stored rate is what the sink kept up with meanwhile',
      ),
      infoRow(
        'mlp step time, ingest off → on (median of phases)',
        `${fixed(median(slow.phases.filter((p) => !p.on).map((p) => median(p.stepMs))))} ms → ${fixed(median(slow.phases.filter((p) => p.on).map((p) => median(p.stepMs))))} ms`,
      ),
    ];
    return {
      rows,
      data: {
        sink,
        targetRate,
        ratios: slow.ratios,
        onRate: slow.onRate,
        phases: slow.phases.map((p) => ({
          on: p.on,
          medianStepMs: median(p.stepMs),
          steps: p.stepMs.length,
          written: p.written,
          seconds: p.seconds,
        })),
      },
    };
  } finally {
    close();
    await store.close();
  }
}
