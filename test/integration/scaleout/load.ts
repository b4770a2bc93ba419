import { type ClientReadableStream, status } from '@grpc/grpc-js';
import type { StreamMetricsResponse__Output } from '../../../src/generated/proto/gradnoise/v1/StreamMetricsResponse.js';
import type { TrainingServiceClient } from '../../../src/generated/proto/gradnoise/v1/TrainingService.js';
import { createStore } from '../../../src/store/index.js';
import { api, createClient } from '../../helpers/client.js';
import { Random } from '../fuzz/wire.js';
import { type Replica, startReplica } from './replica.js';
import { checkLossSeries, sleep } from './series.js';

export interface LoadOptions {
  /** A migrated, empty database. */
  readonly databaseUrl: string;
  /** Service processes sharing it. */
  readonly replicas: number;
  /** Smoke runs queued at once. */
  readonly runs: number;
  /** Optimizer steps of each run. */
  readonly steps: number;
  /** StreamMetrics clients, spread over runs and replicas; each reconnects when its replica dies. */
  readonly watchers: number;
  /** Replicas killed with SIGKILL (then restarted under a new id) while runs train. */
  readonly kills: number;
  /** Seeds the kill schedule and targets. */
  readonly seed: number;
  /** Gives up after this long. */
  readonly timeoutMs: number;
  /** Progress lines. Default: none. */
  readonly log?: (line: string) => void;
}

export interface LoadReport {
  readonly replicas: number;
  readonly runs: number;
  readonly steps: number;
  readonly watchers: number;
  readonly kills: number;
  readonly seconds: number;
  /** Runs per final status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Runs that needed more than one attempt (their replica was killed). */
  readonly resumedRuns: number;
  readonly maxAttempt: number;
  /** Stored loss points checked, and those missing or duplicated. */
  readonly lossPoints: number;
  readonly missingPoints: number;
  readonly duplicatePoints: number;
  /** Watchers that received the final message, and how often they had to reconnect. */
  readonly watchersEnded: number;
  readonly reconnects: number;
  /** Loss points the watchers received; steps they skipped or received twice (must be 0). */
  readonly watchedPoints: number;
  readonly watcherGaps: number;
  readonly watcherDuplicates: number;
  /** Errors that are not a killed replica's UNAVAILABLE/CANCELLED (must be none). */
  readonly unexpectedErrors: readonly string[];
}

/**
 * The load-and-faults scenario of docs/reliability.md: `replicas` real service processes on one
 * PostgreSQL, `runs` smoke runs, `watchers` StreamMetrics clients spread over the replicas, and
 * `kills` random `kill -9` + restart of a replica while the runs train. A watcher whose replica
 * dies reconnects to another one with `since_step` = the last step it received, as a client
 * should. Reports what the store and the watchers saw.
 */
export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const log = o.log ?? (() => {});
  const random = new Random(o.seed);
  const started = Date.now();
  const deadline = started + o.timeoutMs;
  const unexpected: string[] = [];
  let generation = 0;

  const slots: (Replica | null)[] = [];
  const clients: (TrainingServiceClient | null)[] = [];
  const boot = async (slot: number) => {
    generation += 1;
    const replica = await startReplica({
      databaseUrl: o.databaseUrl,
      replicaId: `load-${slot}-g${generation}`,
      env: { GRADNOISE_MAX_ATTEMPTS: '20' },
    });
    slots[slot] = replica;
    clients[slot] = createClient(replica.address);
  };
  await Promise.all(Array.from({ length: o.replicas }, (_, i) => boot(i)));
  log(`${o.replicas} replicas up after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const liveClient = (preferred: number): TrainingServiceClient => {
    for (let k = 0; k < o.replicas; k++) {
      const client = clients[(preferred + k) % o.replicas];
      if (client !== null && client !== undefined) return client;
    }
    throw new Error('no replica is up');
  };

  try {
    const ids: string[] = [];
    for (let i = 0; i < o.runs; i++) {
      const run = await api(liveClient(i)).startRun({
        trainer: 'smoke',
        maxSteps: o.steps,
        evalEvery: Math.max(1, Math.floor(o.steps / 3)),
        checkpointEvery: 25,
        seed: i,
        requestId: `load-${i}`,
      });
      ids.push(run.id);
    }
    log(`${o.runs} runs queued`);

    let watchedPoints = 0;
    let gaps = 0;
    let duplicates = 0;
    let reconnects = 0;
    let ended = 0;
    const watch = async (w: number): Promise<void> => {
      const runId = ids[w % ids.length] ?? '';
      let last = 0;
      let attempt = 0;
      while (Date.now() < deadline) {
        const client = liveClient(w + attempt);
        attempt += 1;
        const outcome = await new Promise<'final' | { code: number; details: string }>((resolve) => {
          const stream: ClientReadableStream<StreamMetricsResponse__Output> = client.StreamMetrics({
            runId,
            sinceStep: last,
            names: ['loss'],
          });
          let final = false;
          stream.on('data', (m: StreamMetricsResponse__Output) => {
            for (const p of m.points) {
              const step = Number(p.step);
              if (step <= last) duplicates += 1;
              else if (step !== last + 1) gaps += 1;
              last = Math.max(last, step);
              watchedPoints += 1;
            }
            if (m.final) final = true;
          });
          stream.on('error', (e: { code: number; details: string }) => resolve(e));
          stream.on('end', () =>
            resolve(final ? 'final' : { code: -1, details: 'ended without a final message' }),
          );
        });
        if (outcome === 'final') {
          ended += 1;
          return;
        }
        // A killed replica's streams fail UNAVAILABLE (or CANCELLED); anything else is a finding.
        if (outcome.code !== status.UNAVAILABLE && outcome.code !== status.CANCELLED) {
          unexpected.push(`watcher ${w}: ${status[outcome.code] ?? outcome.code} ${outcome.details}`);
        }
        reconnects += 1;
        await sleep(200);
      }
    };
    const watchers = Array.from({ length: o.watchers }, (_, w) => watch(w));
    log(`${o.watchers} watchers streaming`);

    const store = await createStore({ databaseUrl: o.databaseUrl, poolSize: 2 });
    const terminal = async () => {
      const runs = await Promise.all(ids.map((id) => store.runs.get('default', id)));
      return runs.every((r) => r.status === 'COMPLETED' || r.status === 'FAILED' || r.status === 'CANCELLED')
        ? runs
        : null;
    };
    try {
      // A killed replica restarts in the background, so kills can follow each other faster than a
      // start takes; one replica is always left serving.
      let kills = 0;
      let slot = random.int(o.replicas);
      const restarts: Promise<void>[] = [];
      while (kills < o.kills && (await terminal()) === null && Date.now() < deadline) {
        await sleep(1_500 + random.int(2_500));
        const alive = slots.filter((r) => r !== null && r !== undefined).length;
        if (alive < 2) continue;
        // Never the same replica twice in a row.
        for (let k = 0; k < o.replicas; k++) {
          slot = (slot + 1 + (k === 0 ? random.int(Math.max(1, o.replicas - 1)) : 0)) % o.replicas;
          if (slots[slot] !== null && slots[slot] !== undefined) break;
        }
        const victim = slots[slot];
        if (victim === null || victim === undefined) continue;
        slots[slot] = null;
        clients[slot]?.close();
        clients[slot] = null;
        await victim.kill();
        kills += 1;
        log(`kill -9 ${victim.id} (${kills}/${o.kills}) at ${((Date.now() - started) / 1000).toFixed(1)} s`);
        restarts.push(boot(slot));
      }
      await Promise.all(restarts);
      let runs = await terminal();
      while (runs === null && Date.now() < deadline) {
        await sleep(500);
        runs = await terminal();
      }
      if (runs === null) throw new Error(`runs still training after ${o.timeoutMs} ms`);
      log(`all runs ended at ${((Date.now() - started) / 1000).toFixed(1)} s`);
      await Promise.race([Promise.all(watchers), sleep(Math.max(0, deadline - Date.now()))]);

      const statuses: Record<string, number> = {};
      for (const r of runs) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      const series = await checkLossSeries(
        o.databaseUrl,
        ids.map((id) => ({ id, maxSteps: o.steps })),
      );
      return {
        replicas: o.replicas,
        runs: o.runs,
        steps: o.steps,
        watchers: o.watchers,
        kills,
        seconds: Math.round((Date.now() - started) / 100) / 10,
        statuses,
        resumedRuns: runs.filter((r) => r.attempt > 1).length,
        maxAttempt: Math.max(...runs.map((r) => r.attempt)),
        lossPoints: series.reduce((n, s) => n + s.points, 0),
        missingPoints: series.reduce((n, s) => n + s.missing.length, 0),
        duplicatePoints: series.reduce((n, s) => n + s.duplicates, 0),
        watchersEnded: ended,
        reconnects,
        watchedPoints,
        watcherGaps: gaps,
        watcherDuplicates: duplicates,
        unexpectedErrors: unexpected,
      };
    } finally {
      await store.close();
    }
  } finally {
    for (const c of clients) c?.close();
    await Promise.all(slots.map((r) => r?.stop()));
  }
}
