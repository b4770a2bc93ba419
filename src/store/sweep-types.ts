import type { RungDecision, RungEntry, RunStatus } from '../core/index.js';
import type { NewRun, Page, RunRecord } from './run-types.js';

/** The sweep half of the persistence contract (`types.ts` re-exports it). */

/** A sweep is `active` while any of its runs is QUEUED or RUNNING, else `done`. */
export type SweepState = 'active' | 'done';

export interface SweepFilter {
  readonly project: string;
  /** Every pair must match the sweep's own labels exactly. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly state?: SweepState;
}

/** Runs of a sweep per status, and in all. */
export type SweepRunCounts = Readonly<Record<RunStatus, number>> & { readonly total: number };

/** A sweep as ListSweeps shows it: the stored sweep and its runs per status. */
export interface SweepListing {
  readonly sweep: SweepRecord;
  readonly counts: SweepRunCounts;
}

/** What cancelling a sweep's unfinished runs changed (`SweepRepository.cancelRuns`). */
export interface SweepCancellation {
  /** Runs moved from QUEUED to CANCELLED. */
  readonly cancelled: readonly string[];
  /** RUNNING runs whose cancel was requested now (not those requested before). */
  readonly stopping: readonly string[];
  /** The sweep's runs per status once the change committed. */
  readonly counts: SweepRunCounts;
}

/** A stored sweep. `spec` is the compiled sweep (src/sweeps `SweepSpec`), trusted: only we write it. */
export interface SweepRecord {
  readonly id: string;
  readonly project: string;
  readonly requestId: string | null;
  readonly name: string;
  readonly spec: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
}

export interface NewSweep {
  /** Minted by the caller, so the runs' labels and request ids can name the sweep. */
  readonly id: string;
  readonly project: string;
  readonly requestId: string | null;
  readonly name: string;
  readonly spec: Readonly<Record<string, unknown>>;
  /** The sweep's runs, created QUEUED in the same transaction; each needs a request id. */
  readonly runs: readonly NewRun[];
}

/** One run of a sweep as the report needs it, from one aggregate query over its metric points. */
/** A sweep run's place and its last finite value of some metrics (restart selection). */
export interface SweepRunFinals {
  readonly runId: string;
  readonly status: RunStatus;
  readonly cell: string;
  readonly arm: string;
  readonly seed: number;
  /** Metric name → value at the highest step with a finite value; metrics without one are absent. */
  readonly values: Readonly<Record<string, number>>;
}

export interface SweepRunOutcome {
  readonly runId: string;
  readonly status: RunStatus;
  /** The run's `sweep_cell`, `sweep_arm` and `seed` labels. */
  readonly cell: string;
  readonly arm: string;
  readonly seed: number;
  /** Best finite value of the metric (max or min), null when it has none. */
  readonly best: number | null;
  /** Finite value of the metric at the highest step, null when it has none. */
  readonly final: number | null;
  /** Whether the run's last `loss` point is NaN or infinite. */
  readonly lossNonFinite: boolean;
}

/** Mean, minimum and maximum of one metric at one step over the runs of one cell and arm. */
export interface SweepCurvePoint {
  readonly cell: string;
  readonly arm: string;
  readonly step: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export interface SweepRepository {
  /**
   * Creates the sweep and all its runs in one transaction. Idempotent on (project, requestId): when
   * a sweep with that request id exists, returns it with `created: false` and stores nothing.
   */
  create(input: NewSweep): Promise<{ sweep: SweepRecord; created: boolean }>;
  /** Throws NOT_FOUND when the id is unknown, malformed or belongs to another project. */
  get(project: string, id: string): Promise<SweepRecord>;
  /** Every run of the sweep with its objective (best per `mode`, and final value of `metric`). */
  outcomes(sweepId: string, metric: string, mode: 'max' | 'min'): Promise<SweepRunOutcome[]>;
  /** Per run of the sweep (request-id order): the last finite value of each of `metrics` it has. */
  finals(sweepId: string, metrics: readonly string[]): Promise<SweepRunFinals[]>;
  /** The sweep's runs ordered by request id (grid order for runs made by StartSweep), paged. */
  listRuns(project: string, sweepId: string, pageSize: number, pageToken: string): Promise<Page<RunRecord>>;
  /** Per cell, arm and step: mean, min and max of `metric`'s finite values, ordered by them. */
  curves(sweepId: string, metric: string): Promise<SweepCurvePoint[]>;
  /**
   * The project's sweeps newest first (created_at, then id), filtered, with their run counts.
   * `pageSize` 0 means 50; a token not issued for this same filter is
   * INVALID_ARGUMENT on `page_token`.
   */
  list(filter: SweepFilter, pageSize: number, pageToken: string): Promise<Page<SweepListing>>;
  /**
   * Cancels every unfinished run of the sweep in one statement, as `RunRepository.requestCancel`
   * does for one: QUEUED runs become CANCELLED, RUNNING ones get `cancelRequested`. Runs already
   * cancel-requested or terminal are left alone, so a repeat changes nothing. NOT_FOUND when the
   * sweep is unknown, malformed or belongs to another project.
   */
  cancelRuns(project: string, sweepId: string): Promise<SweepCancellation>;
  /**
   * One ASHA judgement (`core/asha.ts`), in one transaction holding the sweep's row lock: reads the
   * sweep's rung entries, hands them to `decide` (a pure function of them and the report), stores
   * the entry it returns, and returns its decision. Concurrent judgements of one sweep, on any
   * replica, are serialised, so each decides on every entry committed before it. NOT_FOUND for an
   * unknown or malformed sweep id.
   */
  judgeRung(sweepId: string, decide: (recorded: readonly RungEntry[]) => RungDecision): Promise<RungDecision>;
  /** Whether ASHA stopped the run at a rung (it must end STOPPED_EARLY whenever it is claimed again). */
  stoppedEarly(runId: string): Promise<boolean>;
}
