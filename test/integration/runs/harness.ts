import { Registry } from 'prom-client';
import type { MetricPoint, RunStatus } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec, type RunRequest } from '../../../src/runs/compile-spec.js';
import {
  type RunLogger,
  RunScheduler,
  type RunSchedulerDeps,
  type RunSchedulerOptions,
} from '../../../src/runs/index.js';
import { createStore, type RunRecord, type Store } from '../../../src/store/index.js';
import type { TrainerRegistry } from '../../../src/trainers/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';

/** Fast timings so the tests spend their time training, not waiting on intervals. */
export const FAST: Omit<RunSchedulerOptions, 'owner'> = {
  workers: 1,
  backend: 'auto',
  // No native addon: auto then comes down to wasm whether or not the addon is built here.
  nativeAddon: '/nonexistent/gradnoise_native.node',
  pollMs: 50,
  leaseMs: 10_000,
  progressIntervalMs: 0,
  sinkFlushMs: 20,
  watchPollMs: 200,
  shutdownGraceMs: 20_000,
};

/** A logger that keeps what it is told, for assertions. */
export class MemoryLogger implements RunLogger {
  readonly lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  debug(fields: object, message: string): void {
    this.lines.push({ level: 'debug', message, fields: fields as Record<string, unknown> });
  }
  info(fields: object, message: string): void {
    this.lines.push({ level: 'info', message, fields: fields as Record<string, unknown> });
  }
  warn(fields: object, message: string): void {
    this.lines.push({ level: 'warn', message, fields: fields as Record<string, unknown> });
  }
  error(fields: object, message: string): void {
    this.lines.push({ level: 'error', message, fields: fields as Record<string, unknown> });
  }
}

export interface Harness {
  readonly db: TestDatabase;
  readonly store: Store;
  /** Builds (does not start) a scheduler on this database; `close()` stops every one built. */
  scheduler(
    owner: string,
    options?: Partial<RunSchedulerOptions>,
    deps?: Partial<Pick<RunSchedulerDeps, 'trainers' | 'trainerModules' | 'store'>>,
  ): { scheduler: RunScheduler; registry: Registry; logger: MemoryLogger };
  /** Queues a run of `request`, compiled against `trainers` (default: the built-ins). */
  queue(request: RunRequest, trainers?: TrainerRegistry): Promise<RunRecord>;
  get(id: string): Promise<RunRecord>;
  /** Polls the run until `predicate` holds; fails with the last record after `timeoutMs`. */
  waitFor(id: string, predicate: (run: RunRecord) => boolean, timeoutMs?: number): Promise<RunRecord>;
  waitForStatus(id: string, status: RunStatus, timeoutMs?: number): Promise<RunRecord>;
  points(id: string, names?: readonly string[]): Promise<MetricPoint[]>;
  /** Stops every scheduler built so far (after each test, so a failed test cannot leak a replica). */
  stopSchedulers(): Promise<void>;
  close(): Promise<void>;
}

export const PROJECT = 'default';

export async function createHarness(): Promise<Harness> {
  const db = await createTestDatabase();
  const store = await createStore({ databaseUrl: db.url, poolSize: 4 });
  const schedulers: RunScheduler[] = [];
  const get = (id: string) => store.runs.get(PROJECT, id);
  const waitFor = async (id: string, predicate: (run: RunRecord) => boolean, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await get(id);
      if (predicate(run)) return run;
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for run ${id}: ${JSON.stringify({ ...run, spec: undefined })}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return {
    db,
    store,
    scheduler(owner, options = {}, deps = {}) {
      const registry = new Registry();
      const logger = new MemoryLogger();
      const scheduler = new RunScheduler(
        { ...FAST, ...options, owner },
        {
          store,
          registry,
          logger,
          dataRoots: ANY_DATA_DIR,
          ...deps,
        },
      );
      schedulers.push(scheduler);
      return { scheduler, registry, logger };
    },
    async queue(request, trainers) {
      const { run } = await store.runs.create({
        project: PROJECT,
        requestId: null,
        spec: compileRunSpec(request, ANY_DATA_DIR, trainers),
        labels: {},
      });
      return run;
    },
    get,
    waitFor,
    waitForStatus: (id, status, timeoutMs) => waitFor(id, (run) => run.status === status, timeoutMs),
    async points(id, names) {
      const out: MetricPoint[] = [];
      const query = { sinceStep: 0, ...(names === undefined ? {} : { names }) };
      for await (const batch of store.metrics.replay(id, query)) out.push(...batch);
      return out;
    },
    async stopSchedulers() {
      for (const s of schedulers.splice(0)) await s.stop();
    },
    async close() {
      for (const s of schedulers.splice(0)) await s.stop();
      await store.close();
      await db.drop();
    },
  };
}

/** A smoke run: tiny, fast, and its loss falls. */
export function smoke(overrides: Partial<RunRequest> = {}): RunRequest {
  return {
    trainer: 'smoke',
    optimizer: { kind: 'adam', learningRate: 0.01 },
    noise: { eta: 0.3 },
    seed: 11,
    maxSteps: 60,
    evalEvery: 20,
    checkpointEvery: 20,
    ...overrides,
  };
}
