/**
 * Where the CPU goes while the service runs a small sweep: the sweep section's workload (8 mlp runs,
 * 20 × 50, 300 steps, StartRun then GetRun polled every 100 ms) on a fresh service, with the CPU
 * time of every thread on the machine read from /proc before and after, for 1 and then N workers.
 *
 * The service's threads are told apart by rank, since Node names them all `node`: the process's
 * own thread is the event loop, the N busiest others are the training threads, and the rest are
 * V8's and libuv's helpers (concurrent GC and compilation, the thread pool). PostgreSQL is summed
 * over its processes; kernel threads are listed by name.
 *
 *     npm run bench:sweep-cpu -- [--workers 2] [--node-arg=--flag …]  (node flags for the service)
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { openPostgres } from './lib/postgres.js';
import { mlpRequest, waitForRuns } from './lib/runs.js';
import { processCpuSeconds, startService, trainingClient } from './lib/service.js';

const RUNS = 8;
const STEPS = 300;

interface ThreadTime {
  readonly pid: number;
  readonly tid: number;
  readonly name: string;
  readonly seconds: number;
}

function threads(): ThreadTime[] {
  const out: ThreadTime[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        const path = `/proc/${pid}/task/${task}`;
        const name = readFileSync(`${path}/comm`, 'utf8').trim();
        const seconds = processCpuSeconds(pid, Number(task));
        if (!Number.isNaN(seconds)) out.push({ pid, tid: Number(task), name, seconds });
      }
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return out;
}

function used(before: readonly ThreadTime[], after: readonly ThreadTime[]): ThreadTime[] {
  const start = new Map(before.map((t) => [`${t.pid}/${t.tid}`, t.seconds]));
  return after.map((t) => ({ ...t, seconds: t.seconds - (start.get(`${t.pid}/${t.tid}`) ?? 0) }));
}

async function measure(workers: number, nodeArgs: readonly string[]): Promise<void> {
  const postgres = await openPostgres();
  const service = await startService(postgres, { workers, nodeArgs });
  const { api, close } = trainingClient(service.address);
  try {
    await api.listTrainers({});
    const before = threads();
    const t0 = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < RUNS; i += 1) ids.push((await api.startRun(mlpRequest(i + 1, STEPS))).id);
    await waitForRuns(api, ids, 3_600_000, 100);
    const seconds = (performance.now() - t0) / 1000;
    const delta = used(before, threads());
    const servicePid = service.pid;
    const mine = delta.filter((t) => t.pid === servicePid && t.tid !== servicePid);
    mine.sort((a, b) => b.seconds - a.seconds);
    const sum = (ts: readonly ThreadTime[]) => ts.reduce((s, t) => s + t.seconds, 0);
    const groups: [string, number][] = [
      [`training threads (${workers})`, sum(mine.slice(0, workers))],
      ['service event loop', sum(delta.filter((t) => t.tid === servicePid))],
      ['service helper threads (V8, libuv)', sum(mine.slice(workers))],
      ['PostgreSQL', sum(delta.filter((t) => t.name.startsWith('postgres')))],
      ['this client (StartRun, GetRun polls)', sum(delta.filter((t) => t.pid === process.pid))],
    ];
    const kernel = new Map<string, number>();
    for (const t of delta) {
      if (!t.name.startsWith('kworker') || t.seconds <= 0) continue;
      kernel.set('kernel workers (kworker)', (kernel.get('kernel workers (kworker)') ?? 0) + t.seconds);
    }
    groups.push(...kernel);
    const total = sum(delta);
    groups.push(['everything else', total - groups.reduce((s, [, v]) => s + v, 0)]);
    console.log(
      `\n${workers} worker(s): ${RUNS} runs × ${STEPS} steps in ${seconds.toFixed(1)} s wall, ` +
        `${total.toFixed(1)} CPU s on the machine (${(total / seconds).toFixed(2)} of ${os.availableParallelism()} cores)`,
    );
    for (const [label, value] of groups) {
      console.log(
        `  ${value.toFixed(2).padStart(7)} s  ${((100 * value) / total).toFixed(1).padStart(5)} %  ${label}`,
      );
    }
  } finally {
    close();
    await service.stop();
    await postgres.stop();
  }
}

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    'node-arg': { type: 'string', multiple: true, default: [] },
  },
});
const n = Number(values.workers);
if (!Number.isInteger(n) || n < 2)
  throw new Error(`--workers: got ${values.workers}; allowed: an integer >= 2`);
console.log(
  `load average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const nodeArgs = values['node-arg'];
if (nodeArgs.length > 0) console.log(`service node arguments: ${nodeArgs.join(' ')}`);
await measure(1, nodeArgs);
await measure(n, nodeArgs);
