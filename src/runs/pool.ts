import type { AdapterDescription, RejectedBackend } from '../backend/index.js';
import { defaultEntry, type Listener, Slot, type SlotOwner, spawn } from './pool-slot.js';
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
 * - Each thread is spawned from the worker entry beside this module (`pool-slot.ts`).
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

export class WorkerPool implements SlotOwner {
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
