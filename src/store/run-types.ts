import type { InitFrom, RunEndReason, RunSpec, RunStatus } from '../core/index.js';

/** Records shared by the run and sweep halves of the persistence contract (`types.ts` re-exports them). */

/** A stored run. `project` scopes every query (auth, issue 6); the embedded default is `default`. */
export interface RunRecord {
  readonly id: string;
  readonly project: string;
  readonly requestId: string | null;
  readonly trainer: string;
  /** A name to show, set by StartRun or UpdateRun; '' when it has none. */
  readonly displayName: string;
  readonly spec: RunSpec;
  readonly status: RunStatus;
  readonly labels: Readonly<Record<string, string>>;
  /** tfjs backend the latest attempt trained on, e.g. `wasm`. */
  readonly backend: string | null;
  /** The device it trained on, one line (see `BackendSelection.device`); null before it starts. */
  readonly device: string | null;
  /** Attempts started so far (1 on the first claim). */
  readonly attempt: number;
  readonly error: string | null;
  /**
   * Why a COMPLETED run ended: `BUDGET` (all `maxSteps`) or `SOLVED` (its trainer solved the task
   * at `currentStep`, see `TrainerSession.isSolved`); null in every other status.
   */
  readonly endReason: RunEndReason | null;
  /** Last optimizer step reported by the worker. */
  readonly currentStep: number;
  readonly cancelRequested: boolean;
  /** Replica that holds the lease while RUNNING. */
  readonly owner: string | null;
  readonly leaseExpiresAt: Date | null;
  readonly sweepId: string | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  /** The checkpoint of another run this one started from; null: from scratch. */
  readonly initFrom: InitFrom | null;
}

export interface NewRun {
  readonly project: string;
  readonly requestId: string | null;
  readonly spec: RunSpec;
  readonly labels: Readonly<Record<string, string>>;
  /** Default '': none. */
  readonly displayName?: string;
  readonly sweepId?: string;
  /**
   * The checkpoint to start from (its step resolved, never 0). It must exist when the run is
   * stored: one pruned or deleted since the caller looked is NOT_FOUND naming `init_from.step`.
   * Default: from scratch.
   */
  readonly initFrom?: InitFrom;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque token for the next page; empty when there is none. */
  readonly nextPageToken: string;
}
