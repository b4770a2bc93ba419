import type { CheckpointRetention, RunEndReason, RunStatus } from '../core/index.js';
import type { MetricRepository } from './metric-types.js';
import type { NewRun, Page, RunRecord } from './run-types.js';
import type { SweepRepository } from './sweep-types.js';

export type { MetricPageQuery, MetricRepository, MetricSummary, StepValue } from './metric-types.js';
export type { NewRun, Page, RunRecord } from './run-types.js';

export type {
  NewSweep,
  SweepCancellation,
  SweepCurvePoint,
  SweepFilter,
  SweepListing,
  SweepRecord,
  SweepRepository,
  SweepRunCounts,
  SweepRunFinals,
  SweepRunOutcome,
  SweepState,
} from './sweep-types.js';

/**
 * The persistence contract. The Prisma implementation lives beside this file; every method
 * translates database errors into `AppError` (unique violation → ALREADY_EXISTS, missing row →
 * NOT_FOUND) so no raw database error reaches a client.
 */
export interface Store {
  readonly runs: RunRepository;
  readonly metrics: MetricRepository;
  readonly checkpoints: CheckpointRepository;
  readonly sweeps: SweepRepository;
  /** API tokens (authentication, see src/auth). */
  readonly tokens: TokenRepository;
  /** PostgreSQL LISTEN/NOTIFY between replicas (live metrics of runs trained elsewhere). */
  readonly notifications: Notifications;
  /** Checks the connection (for health). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface RunFilter {
  readonly project: string;
  readonly statuses?: readonly RunStatus[];
  readonly trainer?: string;
  /** Every pair must match exactly. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly sweepId?: string;
}

export interface RunRepository {
  /**
   * Creates a QUEUED run. Idempotent on (project, requestId): when a run with that request id
   * exists, returns it with `created: false` and stores nothing.
   */
  create(input: NewRun): Promise<{ run: RunRecord; created: boolean }>;
  /** Throws NOT_FOUND when the id is unknown or belongs to another project. */
  get(project: string, id: string): Promise<RunRecord>;
  /** Newest first. `pageToken` must come from a previous call; a bad token is INVALID_ARGUMENT. */
  list(filter: RunFilter, pageSize: number, pageToken: string): Promise<Page<RunRecord>>;
  /**
   * Claims the oldest QUEUED run for `owner` (`FOR UPDATE SKIP LOCKED`), oldest in queue order
   * (`queue_seq`: creation order, a sweep's runs in grid order): status RUNNING, attempt+1,
   * lease until now + leaseMs. Returns null when the queue is empty.
   *
   * With `trainers`, only a run of one of them: a replica claims only what it can train, so during
   * a rolling rollout of a plugin (or with replicas loading different modules) a run waits QUEUED
   * for a replica that has its trainer instead of being claimed and failed.
   */
  claimNext(owner: string, leaseMs: number, trainers?: readonly string[]): Promise<RunRecord | null>;
  /** Extends the leases of the given runs that `owner` still holds. Returns the ids renewed. */
  renewLeases(owner: string, ids: readonly string[], leaseMs: number): Promise<string[]>;
  /**
   * Requeues RUNNING runs whose lease expired; those already at `maxAttempts` become FAILED with
   * the reason, and those whose cancel was requested become CANCELLED (never run again).
   * Returns how many were requeued, failed and cancelled.
   */
  recoverExpired(maxAttempts: number): Promise<{ requeued: number; failed: number; cancelled: number }>;
  /**
   * Records progress of a running attempt. This and the other writes by a worker (`finish`,
   * `release`) are FAILED_PRECONDITION when `owner` no longer holds the run (lease lost).
   */
  updateProgress(
    id: string,
    owner: string,
    step: number,
    backend: string,
    device?: string | null,
  ): Promise<void>;
  /**
   * Cancels: a QUEUED run becomes CANCELLED at once; a RUNNING run gets `cancelRequested` (the
   * worker stops at the next step). A terminal run is FAILED_PRECONDITION.
   */
  requestCancel(project: string, id: string): Promise<RunRecord>;
  /**
   * Ends an attempt held by `owner` with a terminal status. `endReason` is stored for COMPLETED
   * (default `BUDGET`) and ignored otherwise: only a completed run has one.
   */
  finish(
    id: string,
    owner: string,
    status: 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'STOPPED_EARLY',
    error: string | null,
    endReason?: RunEndReason,
  ): Promise<RunRecord>;
  /**
   * Gives a run back to the queue (graceful shutdown): QUEUED, no owner, lease cleared; CANCELLED
   * instead when its cancel was requested.
   */
  release(id: string, owner: string): Promise<void>;
  /**
   * Ends an attempt that failed for a reason outside the run (its GPU device was lost), as if its
   * replica had crashed (see `recoverExpired`): back to QUEUED to resume from its last checkpoint,
   * or FAILED once it has had `maxAttempts` attempts, or CANCELLED when its cancel was requested.
   * `error` is recorded as `attempt N of M: <error>` either way. Returns the run as it now is.
   */
  retry(id: string, owner: string, error: string, maxAttempts: number): Promise<RunRecord>;
  /** Number of runs per status, across projects (for Prometheus). */
  countByStatus(): Promise<Record<RunStatus, number>>;
  /** QUEUED runs of the project, counted up to `limit` (the count stops there). */
  countQueued(project: string, limit: number): Promise<number>;
  /**
   * Changes a run in one transaction: locks the project's run `id`, hands it to `edit` and stores
   * what `edit` returns (a field left undefined keeps its value). `edit` throws to refuse, and then
   * nothing changes. NOT_FOUND when the id is unknown, malformed or of another project.
   */
  update(project: string, id: string, edit: (run: RunRecord) => RunChanges): Promise<RunRecord>;
  /**
   * Deletes a run with its metric points and checkpoints in one transaction: locks the project's
   * run `id`, hands it to `check` (which throws to refuse; then nothing is deleted), deletes, and
   * returns what went. NOT_FOUND when the id is unknown, malformed or of another project.
   * FAILED_PRECONDITION naming the run when another run's init_from names one of its checkpoints
   * (the foreign key keeps those), also when that run is stored while the delete runs.
   */
  delete(project: string, id: string, check: (run: RunRecord) => void): Promise<RunDeletion>;
}

/** What `RunRepository.update` writes; undefined fields keep their stored values. */
export interface RunChanges {
  readonly displayName?: string;
  /** The run's whole new label map. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** What `RunRepository.delete` removed. */
export interface RunDeletion {
  /** The run as it was when it was locked, just before the delete. */
  readonly run: RunRecord;
  readonly metricPoints: number;
  readonly checkpoints: number;
  /** Sum of the checkpoints' sizes. */
  readonly checkpointBytes: number;
}

export interface CheckpointMeta {
  readonly runId: string;
  readonly step: number;
  readonly sizeBytes: number;
  readonly sha256: string;
  /** `safetensors`. */
  readonly format: string;
  /** Tensor index: name → dtype, shape, byte offsets (the safetensors header). */
  readonly index: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
}

/** A checkpoint's metadata without its tensor index (ListCheckpoints). */
export type CheckpointSummary = Omit<CheckpointMeta, 'index'>;

export interface CheckpointRepository {
  /**
   * The run's checkpoints in ascending step order, paged (`pageSize` 0: 50).
   * A token not issued for this run is INVALID_ARGUMENT on `page_token`. The caller checks that the
   * run exists and is the caller's: an unknown run simply has none.
   */
  list(runId: string, pageSize: number, pageToken: string): Promise<Page<CheckpointSummary>>;
  /**
   * Upserts on (runId, step). With `retention`, then deletes the run's checkpoints it does not keep
   * (never the latest, nor one a run's init_from names), in the same transaction, and returns their
   * steps, ascending. Without: keeps every checkpoint.
   */
  save(
    meta: Omit<CheckpointMeta, 'createdAt'>,
    data: Uint8Array,
    retention?: CheckpointRetention,
  ): Promise<{ readonly pruned: readonly number[] }>;
  /** `step` 0 means the latest. Returns null when the run has no such checkpoint. */
  getMeta(runId: string, step: number): Promise<CheckpointMeta | null>;
  /** Reads the bytes of a stored checkpoint. */
  getData(runId: string, step: number): Promise<Uint8Array>;
  /**
   * Reads `length` bytes from `offset` of the checkpoint stored at `step` with the content hash
   * `sha256` (fewer at its end, none past it), so a download holds one chunk in memory, not the
   * whole file. Null when no checkpoint at that step has that hash (none, or saved again since the
   * caller read its metadata).
   */
  getDataRange(
    runId: string,
    step: number,
    sha256: string,
    offset: number,
    length: number,
  ): Promise<Uint8Array | null>;
}

/** A stored API token, without its hash. */
export interface ApiTokenRecord {
  readonly id: string;
  readonly project: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

export interface TokenRepository {
  /** Stores the hash of a new token. ALREADY_EXISTS when that hash is stored already. */
  create(input: {
    readonly project: string;
    readonly name: string;
    readonly tokenSha256: string;
  }): Promise<ApiTokenRecord>;
  /** The token with this hash (lower-case hex sha256) unless unknown or revoked. */
  findActive(tokenSha256: string): Promise<ApiTokenRecord | null>;
  /** Whether any token was ever stored, revoked ones included (authentication is then on). */
  anyStored(): Promise<boolean>;
  /** Tokens of one project (or of all), newest first. */
  list(project?: string): Promise<ApiTokenRecord[]>;
  /** Revokes a token; NOT_FOUND when the id is unknown. Revoking twice keeps the first time. */
  revoke(id: string): Promise<ApiTokenRecord>;
}

/** A LISTEN connection; `close()` ends it. */
export interface NotificationListener {
  close(): Promise<void>;
}

export interface ListenHandlers {
  /** One notification. Called in the order PostgreSQL delivers them (commit order). */
  onNotification(channel: string, payload: string): void;
  /** Listening (again, after a reconnect): notifications sent while disconnected were missed. */
  onListening?(): void;
  /** The connection failed; it is reopened with backoff. */
  onError?(error: unknown): void;
}

/** PostgreSQL LISTEN/NOTIFY. Payloads are short pointers (at most 8000 bytes each), never data. */
export interface Notifications {
  /** Sends every payload on `channel` in one statement (delivered once the statement commits). */
  notify(channel: string, payloads: readonly string[]): Promise<void>;
  /** Opens a dedicated connection listening on `channels`, reconnecting with backoff when it drops. */
  listen(channels: readonly string[], handlers: ListenHandlers): NotificationListener;
}
