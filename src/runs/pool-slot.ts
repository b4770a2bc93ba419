import { Worker } from 'node:worker_threads';
import { AppError } from '../core/index.js';
import type { FromWorker, RunOutcome, WorkerBoot } from './worker/protocol.js';

/** Receives every message of a job, `finished` included, on the main thread. */
export type Listener = (message: FromWorker) => void;

/** What a slot tells its pool (`WorkerPool`) about its thread. */
export interface SlotOwner {
  onReady(slot: Slot, ready: Extract<FromWorker, { type: 'ready' }>): void;
  /** A worker that will be replaced: no new job goes to it. */
  onRetiring(slot: Slot): void;
  /** A booted worker with no job. */
  onIdle(slot: Slot): void;
  /** A thread ended: settle its job, and start a fresh thread unless it never booted. */
  onDeath(slot: Slot, reason: string, how: { killed: boolean; booted: boolean }): void;
}

/** The worker entry beside this module: compiled `.js` in production, `.ts` under tsx or vitest. */
export function defaultEntry(): URL {
  return new URL(`./worker/entry.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);
}

/**
 * Spawns a training thread on `entry` with its boot data. In production the code runs compiled and
 * the entry is `worker/entry.js`. Under tsx or vitest it is `worker/entry.ts`; Node 20 ignores
 * `--import` in a worker's `execArgv`, so such a worker starts from a one-line bootstrap that
 * registers tsx's loader inside the thread and imports it.
 */
export function spawn(entry: URL, boot: WorkerBoot): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: boot });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(bootstrap, { eval: true, workerData: boot });
}

/**
 * One place of the pool: its current thread (replaced by `respawn` after a death) and the job it
 * trains, whose messages it routes to the job's listener. It reports to its pool every change
 * (ready, retiring, idle, dead); the pool decides what follows.
 */
export class Slot {
  worker: Worker;
  ready: Promise<void>;
  job: { runId: string; listener: Listener; finish: (o: RunOutcome) => void } | null = null;
  private killed = false;
  /** Why the thread asked to be replaced (`retiring`), for the `replaced` event. */
  private retiring: string | null = null;
  private readonly pool: SlotOwner;
  private readonly spawn: () => Worker;

  constructor(pool: SlotOwner, spawnWorker: () => Worker) {
    this.pool = pool;
    this.spawn = spawnWorker;
    this.worker = spawnWorker();
    this.ready = this.watch(this.worker);
  }

  private watch(worker: Worker): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let booted = false;
      let dead = false;
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          booted = true;
          this.pool.onReady(this, message);
          resolve();
        } else if (message.type === 'boot-failed') {
          reject(new AppError('FAILED_PRECONDITION', `training worker could not start: ${message.error}`));
        } else if (message.type === 'retiring') {
          // No new job goes to it; it is replaced once the job in progress has finished.
          this.retiring = message.reason;
          this.pool.onRetiring(this);
          if (this.job === null) void this.worker.terminate();
        } else if (this.job !== null && message.runId === this.job.runId) {
          this.job.listener(message);
          if (message.type === 'finished') {
            this.settle(message.outcome);
            if (this.retiring === null) this.pool.onIdle(this);
            else void this.worker.terminate();
          }
        }
      });
      // 'error' is followed by 'exit': act on the first only.
      const died = (reason: string): void => {
        if (dead) return;
        dead = true;
        reject(new AppError('FAILED_PRECONDITION', `training worker could not start: ${reason}`));
        const retired = this.retiring;
        this.retiring = null;
        this.pool.onDeath(this, retired ?? reason, { killed: this.killed, booted });
      };
      worker.on('error', (error) => died(error instanceof Error ? error.message : String(error)));
      worker.on('exit', (code) => died(`thread exited with code ${code}`));
    });
  }

  settle(outcome: RunOutcome): void {
    const job = this.job;
    this.job = null;
    job?.finish(outcome);
  }

  /** Replaces the dead thread with a fresh one. */
  respawn(): void {
    this.killed = false;
    this.worker = this.spawn();
    this.ready = this.watch(this.worker);
    this.ready.catch(() => undefined);
  }

  async kill(): Promise<void> {
    this.killed = true;
    await this.worker.terminate();
  }
}
