/**
 * Metric hot-path benchmark: upsert throughput and replay throughput of one run with 1,000,000
 * points. Replay runs through raw `pg` (what the store uses) and through Prisma's raw-query path,
 * side by side; upsert runs through `pg` in both rows, because its binary array parameters
 * (`src/store/metric-batch.ts`) have no equivalent on Prisma's raw path.
 *
 *   npx tsx bench/store.ts [--points 1000000] [--batch 5000]
 *
 * Server: `BENCH_DATABASE_URL` (an admin URL, e.g. …/postgres) or, when unset, an embedded
 * PostgreSQL in a temporary directory with default (durable) settings. Each run uses a fresh
 * database that is dropped at the end. Targets: upsert ≥ 50,000 points/s, replay ≥ 200,000 points/s.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import type { MetricPoint } from '../src/core/index.js';
import { openDatabase } from '../src/store/client.js';
import { migrate, startEmbeddedPostgres } from '../src/store/index.js';
import { createMetricRepository } from '../src/store/metrics.js';
import { pgRunner, prismaRunner, type SqlRunner } from '../src/store/sql-runner.js';
import { runAdminStatement as admin } from '../test/helpers/pg-admin.js';
import { freePort } from '../test/setup/postgres.js';
import { processCpuSeconds } from './lib/service.js';

const NAMES = ['train/loss', 'train/acc', 'grad/norm', 'noise/std', 'eval/loss', 'eval/acc', 'lr', 'step_ms'];

interface Result {
  readonly upsertPerSec: number;
  readonly replayPerSec: number;
  /** CPU µs per point, client (this process) + server (the one backend), when readable. */
  readonly upsertCpuUs: number;
  readonly replayCpuUs: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { points: { type: 'string', default: '1000000' }, batch: { type: 'string', default: '5000' } },
  });
  const total = Number(values.points);
  const batch = Number(values.batch);
  const server = await openServer();
  const name = `gradnoise_bench_${randomBytes(4).toString('hex')}`;
  await admin(server.adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(server.adminUrl);
  url.pathname = `/${name}`;
  // One connection: one backend whose CPU time can be read, and batches run back to back anyway.
  const db = openDatabase({ databaseUrl: url.toString(), poolSize: 1, onError: () => {} });
  try {
    await migrate(url.toString());
    console.log(
      `metric hot path: ${total.toLocaleString('en')} points in one run, upsert batches of ${batch}`,
    );
    const results: [string, Result][] = [];
    for (const [label, runner] of [
      ['pg (raw)', pgRunner(db.pool)],
      ['prisma $queryRawUnsafe', prismaRunner(db.prisma)],
    ] as const) {
      results.push([label, await measure(db.pool, runner, total, batch)]);
    }
    const [base] = results;
    console.log(
      `\n${'replay path'.padEnd(24)}${'upsert (pg)/s'.padStart(14)}${'replay pts/s'.padStart(14)}  replay vs pg`,
    );
    for (const [label, r] of results) {
      const ratio = base === undefined ? '' : `${(r.replayPerSec / base[1].replayPerSec).toFixed(2)}×`;
      console.log(`${label.padEnd(24)}${fmt(r.upsertPerSec)}${fmt(r.replayPerSec)}  ${ratio}`);
    }
    if (results.every(([, r]) => Number.isFinite(r.upsertCpuUs))) {
      // Wall-clock rates drop when other work shares the cores; CPU time per point does not.
      console.log(
        '\nCPU time per point (client + server) and the rate it allows on otherwise idle cores (upsert through pg in both):',
      );
      for (const [label, r] of results) {
        console.log(
          `${label.padEnd(24)}upsert ${r.upsertCpuUs.toFixed(2)} µs → ${fmt(1e6 / r.upsertCpuUs).trim()}/s, ` +
            `replay ${r.replayCpuUs.toFixed(2)} µs → ${fmt(1e6 / r.replayCpuUs).trim()}/s`,
        );
      }
    }
    console.log(
      `\nload average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpus().length} cores`,
    );
    console.log('targets: upsert ≥ 50,000 points/s, replay ≥ 200,000 points/s (store uses pg)');
  } finally {
    await db.close();
    await admin(server.adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await server.stop();
  }
}

async function measure(pool: pg.Pool, runner: SqlRunner, total: number, batch: number): Promise<Result> {
  const writer = createMetricRepository(pgRunner(pool));
  const repo = createMetricRepository(runner);
  const [run] = (
    await pool.query<{ id: string }>(
      `INSERT INTO runs (trainer, spec, status) VALUES ('bench', '{}', 'RUNNING') RETURNING id`,
    )
  ).rows;
  const runId = run?.id ?? '';
  const steps = Math.ceil(total / NAMES.length);
  const cpu = await cpuMeter(pool);
  const start = performance.now();
  cpu.start();
  let pending: MetricPoint[] = [];
  let written = 0;
  for (let step = 1; step <= steps && written < total; step++) {
    for (const name of NAMES) {
      if (written === total) break;
      pending.push({ runId, step, name, value: Math.sin(step) / step, timeMs: 1_760_000_000_000 + step });
      written++;
    }
    if (pending.length >= batch) {
      await writer.upsertMany(pending);
      pending = [];
    }
  }
  await writer.upsertMany(pending);
  const upsertSeconds = (performance.now() - start) / 1000;
  const upsertCpuUs = cpu.stop() / total;
  await pool.query('VACUUM ANALYZE metric_points');

  const replayStart = performance.now();
  cpu.start();
  let read = 0;
  for await (const points of repo.replay(runId, { sinceStep: 0, batchSize: 10_000 })) read += points.length;
  const replaySeconds = (performance.now() - replayStart) / 1000;
  const replayCpuUs = cpu.stop() / total;
  if (read !== total) throw new Error(`replayed ${read} of ${total} points`);
  return {
    upsertPerSec: total / upsertSeconds,
    replayPerSec: total / replaySeconds,
    upsertCpuUs,
    replayCpuUs,
  };
}

/**
 * CPU µs used by this process plus the pool's single backend between start() and stop(). The
 * backend's time comes from /proc, so it is NaN when the server is on another machine.
 */
async function cpuMeter(pool: pg.Pool): Promise<{ start(): void; stop(): number }> {
  const [row] = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  const serverUs = (): number => processCpuSeconds(row?.pid ?? Number.NaN) * 1e6;
  let client = process.cpuUsage();
  let server = 0;
  return {
    start() {
      client = process.cpuUsage();
      server = serverUs();
    },
    stop() {
      const used = process.cpuUsage(client);
      return used.user + used.system + (serverUs() - server);
    },
  };
}

async function openServer(): Promise<{ adminUrl: string; stop(): Promise<void> }> {
  const external = process.env.BENCH_DATABASE_URL;
  if (external !== undefined && external !== '') return { adminUrl: external, stop: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'gradnoise-bench-pg-'));
  await chmod(dir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port: await freePort() });
  return {
    adminUrl: server.adminUrl,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function fmt(perSec: number): string {
  return Math.round(perSec).toLocaleString('en').padStart(14);
}

await main();
