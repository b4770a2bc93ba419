import type { AdapterDescription, BackendPreference, RejectedBackend } from '../../backend/index.js';
import type { SafetensorsEntry } from '../../checkpoint/index.js';
import type { InitFrom, MetricPoint, RunEndReason, RunSpec } from '../../core/index.js';
import type { DataRootPolicy } from '../../data/index.js';
import type { TrainerModules } from '../../trainers/index.js';
import type { PriorityOutcome } from './priority.js';

/**
 * The messages between the main thread and a training worker. Plain data only (structured clone);
 * checkpoint bytes travel as transferred ArrayBuffers, never copied.
 *
 * Lifecycle of a worker: boot (select its own tfjs backend, post `ready` or `boot-failed`), then
 * any number of jobs, one at a time: `start` → `started` → (`metrics` | `checkpoint`)* → `finished`.
 */

/**
 * Values of the control word (index 0 of the job's shared Int32Array), read between steps. Index 1
 * is the rung gate (see `RunJob.gate`): {@link GATE_CLOSED} while the worker waits for a judgement.
 */
export const Control = {
  /** Keep training. */
  run: 0,
  /** Shutdown: checkpoint, then finish as SUSPENDED so the run goes back to the queue. */
  suspend: 1,
  /** Cancel requested: checkpoint, then finish as CANCELLED. */
  cancel: 2,
  /** The lease was lost: stop at once, write nothing. */
  abort: 3,
  /** ASHA stopped the run at a rung: checkpoint, then finish as STOPPED_EARLY. */
  stop: 4,
} as const;

/** Index 1 of the control words while the worker waits at a rung; the main thread stores 0 to open it. */
export const GATE_CLOSED = 1;

/** Words of a job's control buffer: the control word and the rung gate. */
export const CONTROL_WORDS = 2;

export type ControlValue = (typeof Control)[keyof typeof Control];

/** The backend a worker started on, as it reports it (see `BackendSelection`). */
export interface WorkerBackend {
  readonly name: string;
  /** One line naming the device (the WebGPU adapter, or the CPU). */
  readonly device: string;
}

/** `workerData` of a training worker. */
export interface WorkerBoot {
  readonly backend: BackendPreference;
  /** The `native` backend's addon file; absent: the built one. */
  readonly nativeAddon?: string;
  /**
   * The backend every worker of the replica must get: the service's probe at start, then the first
   * worker's. A worker that gets another (say `wasm` because this thread found no adapter) fails
   * its boot rather than train runs on a backend the replica does not report.
   */
  readonly expect?: WorkerBackend;
  /** Post a metrics batch at least this often while training (ms). */
  readonly flushIntervalMs: number;
  /** … or when this many points are pending. */
  readonly flushPoints: number;
  /** Nice value of the training thread (see `lowerThreadPriority`); 0 leaves it as started. */
  readonly nice: number;
  /**
   * The service's data root policy. A worker has module state of its own, so nothing set on the
   * main thread reaches it: each trainer session gets this value and checks it before every read.
   */
  readonly dataRoots: DataRootPolicy;
  /**
   * The plugin trainer modules (`GRADNOISE_TRAINER_MODULES`). The main thread's registry cannot
   * cross into a thread, so each worker imports these itself and builds its own registry at boot;
   * one that fails to load fails the boot. Absent: the built-in trainers only.
   */
  readonly trainerModules?: TrainerModules;
}

export interface RunJob {
  readonly runId: string;
  readonly attempt: number;
  readonly spec: RunSpec;
  /**
   * Int32 control words over shared memory (see {@link Control}): one, or {@link CONTROL_WORDS}
   * when the job has a `gate`.
   */
  readonly control: SharedArrayBuffer;
  /**
   * The rungs of the run's sweep's early stopping (`core/asha.ts`), absent otherwise: at its first
   * step at or after a budget (not the last step) that reports `metric`, the worker posts `gate`
   * and waits for the main thread to open the gate (word 1), with Control.stop set if the run is to
   * stop there. Judged at the highest budget reached; budgets at or below the start step are passed.
   */
  readonly gate?: { readonly metric: string; readonly steps: readonly number[] };
  /** The checkpoint to resume from (transferred), or null to start at step 0. */
  readonly checkpoint: Uint8Array | null;
  /**
   * Another run's checkpoint to start from (the run's init_from, transferred), used only when
   * `checkpoint` is null: an attempt with a checkpoint of its own resumes from that instead.
   */
  readonly init?: RunInit;
}

/** A run's init_from with the checkpoint's bytes. */
export interface RunInit extends InitFrom {
  readonly checkpoint: Uint8Array;
}

export type ToWorker = { readonly type: 'start'; readonly job: RunJob };

/** How a job ended. SUSPENDED and ABORTED are not run statuses: the scheduler releases or drops the run. */
export type RunOutcome =
  | {
      readonly status: 'COMPLETED';
      /** `SOLVED` when the trainer solved the task before the budget ran out (`isSolved`). */
      readonly endReason: RunEndReason;
    }
  | { readonly status: 'CANCELLED' | 'SUSPENDED' | 'ABORTED' | 'STOPPED_EARLY' }
  | { readonly status: 'FAILED'; readonly error: string }
  /**
   * The attempt failed for a reason outside the run (the GPU device was lost): the run goes back to
   * the queue and resumes from its last checkpoint, as after a replica crash, until `maxAttempts`.
   */
  | { readonly status: 'RETRY'; readonly error: string };

export type FromWorker =
  | {
      readonly type: 'ready';
      readonly backend: string;
      readonly device: string;
      /** A software WebGPU adapter (lavapipe). */
      readonly software: boolean;
      readonly adapter?: AdapterDescription;
      readonly rejected: readonly RejectedBackend[];
      /** Notes of the selection worth a log line (tensorflow-gpu on the CPU). */
      readonly notes: readonly string[];
      readonly priority: PriorityOutcome;
    }
  | { readonly type: 'boot-failed'; readonly error: string }
  /**
   * The thread cannot train any more (its GPU device was lost), posted after the `finished` of
   * the job it was training: the pool replaces it with a fresh thread, which starts a new device.
   */
  | { readonly type: 'retiring'; readonly reason: string }
  | {
      readonly type: 'started';
      readonly runId: string;
      /** Steps already done (the checkpoint's step, or 0). */
      readonly startStep: number;
      /** Backend this attempt trains on. */
      readonly backend: string;
      /** Its device, one line (see `BackendSelection.device`). */
      readonly device: string;
      /** Backend that wrote the checkpoint resumed from, when there was one. */
      readonly checkpointBackend: string | null;
    }
  | {
      readonly type: 'metrics';
      readonly runId: string;
      /** Steps completed when the batch was posted. */
      readonly step: number;
      readonly points: readonly MetricPoint[];
      /** Wall time of each training step in the batch, seconds. */
      readonly stepSeconds: readonly number[];
    }
  | {
      readonly type: 'checkpoint';
      readonly runId: string;
      readonly step: number;
      readonly bytes: Uint8Array;
      readonly sha256: string;
      readonly index: Readonly<Record<string, SafetensorsEntry>>;
    }
  | {
      /** At a rung of `RunJob.gate`: the points up to `step` are posted; judge, then open the gate. */
      readonly type: 'gate';
      readonly runId: string;
      readonly step: number;
      /** The gate metric's value at `step` (may be non-finite). */
      readonly value: number;
    }
  | {
      readonly type: 'finished';
      readonly runId: string;
      readonly step: number;
      readonly outcome: RunOutcome;
      /** tf.memory().numTensors after the job minus before it: > 0 means a trainer leaked. */
      readonly leakedTensors: number;
    };
