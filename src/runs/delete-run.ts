import { type AppError, failedPrecondition, TERMINAL_STATUSES } from '../core/index.js';
import type { RunDeletion, RunRecord, RunRepository } from '../store/types.js';

/** What DeleteRun needs: the store's locked delete. */
export interface RunDeleteDeps {
  readonly runs: Pick<RunRepository, 'delete'>;
}

/**
 * Why `run` may not be deleted, as FAILED_PRECONDITION; nothing when it may.
 * - A QUEUED or RUNNING run: a worker may still write its points and checkpoints. Cancel it first.
 * - A run of a sweep: the sweep's report and curves compare all its runs (cells × seeds × arms), and
 *   a missing one would silently shrink a cell's sample. Sweep runs stay while their sweep does.
 */
export function deletionRefusal(run: RunRecord): AppError | undefined {
  if (!TERMINAL_STATUSES.has(run.status)) {
    return failedPrecondition(
      `run ${run.id} is ${run.status}: only a finished run (COMPLETED, FAILED or CANCELLED) can be deleted; cancel it first`,
    );
  }
  if (run.sweepId !== null) {
    return failedPrecondition(
      `run ${run.id} belongs to sweep ${run.sweepId}, whose report compares all its runs: a sweep's runs cannot be deleted`,
    );
  }
  return undefined;
}

/**
 * DeleteRun: removes a finished run with all its metric points and checkpoints in one transaction,
 * the run locked while {@link deletionRefusal} judges it, and returns what was removed. NOT_FOUND
 * for an unknown run or one of another project (or one deleted already).
 */
export function deleteRun(
  deps: RunDeleteDeps,
  input: { readonly project: string; readonly runId: string },
): Promise<RunDeletion> {
  return deps.runs.delete(input.project, input.runId, (run) => {
    const refusal = deletionRefusal(run);
    if (refusal !== undefined) throw refusal;
  });
}
