import { Worker } from 'node:worker_threads';
import type { AdapterDescription, RejectedBackend } from '../backend/index.js';
import { AppError } from '../core/index.js';
import type { PriorityOutcome } from './worker/priority.js';
import {
  CONTROL_WORDS,
  type ControlValue,
  type FromWorker,
  type RunJob,
  type RunOutcome,
  type WorkerBackend,
  type WorkerBoot,
} from './worker/protocol.js';

/**
 * A fixed set of persistent training threads (`worker_threads`), each training one run at a time,
 * so training never runs on the event loop that serves gRPC.
 *
 * - Every worker selects its own tfjs backend when it boots; {@link WorkerPool.start} resolves once
 *   all are ready and rejects (FAILED_PRECONDITION) if one cannot get a backend. All get the same
 *   one: each boots expecting `boot.expect` (the service's probe) or else the first ready worker's
 *   backend and device, and fails its boot on another.
 * - A worker that posts `retiring` (its GPU device was lost, after the `finished` of its job) is
 *   terminated and replaced by a fresh thread, which starts a new device.
 * - A worker that crashes (an uncaught error or an exit, e.g. out of memory) is replaced by a fresh
 *   one, and the run it was training ends FAILED with `worker crashed: <reason>`. It is not requeued:
 *   the crash may come from the run itself, and retrying would crash again. (A whole replica dying
 *   is different: its leases expire and the store requeues those runs, up to `maxAttempts`.)
 * - In production the code runs compiled and the entry is `worker/entry.js`. Under tsx or vitest
 *   it is `worker/entry.ts`; Node 20 ignores `--import` in a worker's `execArgv`, so such a worker
 *   starts from a one-line bootstrap that registers tsx's loader inside the thread and imports it.
 */

export interface WorkerPoolOptions {
  /** Threads, each training one run at a time. */
  readonly size: number;
  readonly boot: WorkerBoot;
  /** The worker's entry module. Default: `worker/entry` beside this file (tests substitute their own). */
  readonly entry?: URL;
  /** Told when a worker is ready (with its backend choice), crashed, was replaced or could not boot. */
  readonly onWorkerEvent?: (event: PoolEvent) => void;
}

/** A run training in the pool. */
export interface ActiveJob {
  readonly runId: string;
  /** Sets the control word the worker reads between steps (and opens the rung gate, so it sees it). */
  signal(value: ControlValue): void;
  /** Lets a worker waiting at a rung gate go on (`RunJob.gate`). */
  openGate(): void;
  /** Resolves with the outcome once the worker posted `finished` (or crashed). */
  readonly done: Promise<RunOutcome>;
  /** Terminates the thread at once (a fresh one replaces it); `done` resolves ABORTED. */
  kill(): Promise<void>;
}

export type PoolEvent =
  | {
      readonly kind: 'ready';
      readonly backend: string;
      readonly device: string;
      readonly software: boolean;
      readonly adapter?: AdapterDescription;
      readonly rejected: readonly RejectedBackend[];
      readonly notes: readonly string[];
      readonly priority: PriorityOutcome;
    }
  | { readonly kind: 'crashed' | 'replaced' | 'boot-failed'; readonly detail: string };

type Listener = (message: FromWorker) => void;

/** The worker entry beside this module: compiled `.js` in production, `.ts` under tsx or vitest. */
function defaultEntry(): URL {
  return new URL(`./worker/entry.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);
}

function spawn(entry: URL, boot: WorkerBoot): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: boot });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(bootstrap, { eval: true, workerData: boot });
}

class Slot {
  worker: Worker;
  ready: Promise<void>;
  job: { runId: string; listener: Listener; finish: (o: RunOutcome) => void } | null = null;
  private killed = false;
  /** Why the thread asked to be replaced (`retiring`), for the `replaced` event. */
  private retiring: string | null = null;
  private readonly pool: WorkerPool;
  private readonly spawn: () => Worker;

  constructor(pool: WorkerPool, spawnWorker: () => Worker) {
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

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly idleSlots = new Set<Slot>();
  private closing = false;
  private readonly options: WorkerPoolOptions;
  private readonly backendNames = new Set<string>();
  /** The backend every worker must get: `boot.expect`, or the first ready worker's. */
  private reference: WorkerBackend | undefined;

  private constructor(options: WorkerPoolOptions) {
    this.options = options;
  }

  /** Starts `size` workers and waits until each has its backend. */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    const entry = options.entry ?? defaultEntry();
    pool.reference = options.boot.expect;
    const boot = (): WorkerBoot =>
      pool.reference === undefined ? options.boot : { ...options.boot, expect: pool.reference };
    for (let i = 0; i < options.size; i += 1) pool.slots.push(new Slot(pool, () => spawn(entry, boot())));
    try {
      await Promise.all(pool.slots.map((s) => s.ready));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Workers ready for a job now. */
  get idle(): number {
    return this.idleSlots.size;
  }

  /** Backends the workers selected (normally one). */
  get backends(): readonly string[] {
    return [...this.backendNames];
  }

  /** @internal */
  onReady(slot: Slot, ready: Extract<FromWorker, { type: 'ready' }>): void {
    this.backendNames.add(ready.backend);
    this.reference ??= { name: ready.backend, device: ready.device };
    const { type: _type, ...event } = ready;
    this.options.onWorkerEvent?.({ kind: 'ready', ...event });
    this.onIdle(slot);
  }

  /** @internal A worker that will be replaced: no new job goes to it. */
  onRetiring(slot: Slot): void {
    this.idleSlots.delete(slot);
  }

  /** @internal A booted worker with no job (a dead one comes back through `onReady`). */
  onIdle(slot: Slot): void {
    if (!this.closing) this.idleSlots.add(slot);
  }

  /** @internal A thread ended: settle its job, and start a fresh thread unless it never booted. */
  onDeath(slot: Slot, reason: string, how: { killed: boolean; booted: boolean }): void {
    this.idleSlots.delete(slot);
    if (slot.job !== null) {
      const aborted = how.killed || this.closing;
      if (!aborted) this.options.onWorkerEvent?.({ kind: 'crashed', detail: reason });
      slot.settle(aborted ? { status: 'ABORTED' } : { status: 'FAILED', error: `worker crashed: ${reason}` });
    }
    if (this.closing) return;
    if (!how.booted) {
      // Respawning a thread that cannot boot would loop; the slot stays empty.
      this.options.onWorkerEvent?.({ kind: 'boot-failed', detail: reason });
      return;
    }
    slot.respawn();
    this.options.onWorkerEvent?.({ kind: 'replaced', detail: reason });
  }

  /**
   * Starts a job on an idle worker, or returns null when none is idle. `listener` receives every
   * message of the job, `finished` included, on the main thread.
   */
  run(job: Omit<RunJob, 'control'>, listener: Listener): ActiveJob | null {
    const slot = this.idleSlots.values().next().value;
    if (slot === undefined || this.closing) return null;
    this.idleSlots.delete(slot);
    const control = new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT);
    const word = new Int32Array(control);
    const done = new Promise<RunOutcome>((resolve) => {
      slot.job = {
        runId: job.runId,
        listener,
        finish: resolve,
      };
    });
    // Private copies: the caller's bytes may share a pooled buffer, which must not be transferred.
    const checkpoint = job.checkpoint === null ? null : new Uint8Array(job.checkpoint);
    const init = job.init && { ...job.init, checkpoint: new Uint8Array(job.init.checkpoint) };
    const transfer = [checkpoint, init?.checkpoint].flatMap((b) => (b ? [b.buffer as ArrayBuffer] : []));
    slot.worker.postMessage({ type: 'start', job: { ...job, control, checkpoint, init } }, transfer);
    return {
      runId: job.runId,
      signal: (value) => {
        Atomics.store(word, 0, value);
        openGate(word);
      },
      openGate: () => openGate(word),
      done,
      kill: () => slot.kill(),
    };
  }

  /** Terminates every worker; running jobs resolve ABORTED. Signal and await them first to end gracefully. */
  async close(): Promise<void> {
    this.closing = true;
    this.idleSlots.clear();
    await Promise.all(
      this.slots.map(async (slot) => {
        await slot.kill();
        slot.settle({ status: 'ABORTED' });
      }),
    );
  }
}

/** Opens the rung gate (word 1) and wakes the worker waiting on it. */
function openGate(word: Int32Array): void {
  Atomics.store(word, 1, 0);
  Atomics.notify(word, 1);
}
