import type { RunRecord, RunRepository, SweepCancellation, SweepRepository } from '../store/types.js';
import type { LiveHub } from './hub.js';
import type { RunNotifier } from './notify.js';
import { Control, type ControlValue } from './worker/protocol.js';

/** What cancelling needs: the store's cancel writes, and who to tell (see `RunScheduler`). */
export interface CancelDeps {
  readonly store: {
    readonly runs: Pick<RunRepository, 'requestCancel'>;
    readonly sweeps: Pick<SweepRepository, 'cancelRuns'>;
  };
  readonly hub: Pick<LiveHub, 'publishStatus'>;
  readonly notifier: Pick<RunNotifier, 'finishedAll' | 'cancelRequested'>;
  /** The attempt of a run training on this replica, if it trains here. */
  local(runId: string): { signal(value: ControlValue): void } | undefined;
}

/**
 * CancelRun, gracefully: a QUEUED run becomes CANCELLED at once; a RUNNING one stops at its next
 * step, writes a final checkpoint and becomes CANCELLED (signalled here when it trains on this
 * replica, otherwise told through NOTIFY and, failing that, at its replica's next lease renewal).
 * NOT_FOUND for an unknown run; FAILED_PRECONDITION for a finished one.
 */
export async function cancelRun(deps: CancelDeps, project: string, runId: string): Promise<RunRecord> {
  const run = await deps.store.runs.requestCancel(project, runId);
  if (run.status === 'CANCELLED') announce(deps, [run.id], []);
  else announce(deps, [], [run.id]);
  return run;
}

/**
 * CancelSweep: {@link cancelRun} for every unfinished run of the sweep, written in one statement
 * (`SweepRepository.cancelRuns`) and announced in one NOTIFY per kind, however many runs the sweep
 * has. Idempotent: runs already cancel-requested or finished are left alone. NOT_FOUND for an
 * unknown sweep or one of another project.
 */
export async function cancelSweep(
  deps: CancelDeps,
  project: string,
  sweepId: string,
): Promise<SweepCancellation> {
  const result = await deps.store.sweeps.cancelRuns(project, sweepId);
  announce(deps, result.cancelled, result.stopping);
  return result;
}

function announce(deps: CancelDeps, cancelled: readonly string[], stopping: readonly string[]): void {
  for (const runId of cancelled) deps.hub.publishStatus(runId, 'CANCELLED', null);
  deps.notifier.finishedAll(cancelled, 'CANCELLED');
  const remote: string[] = [];
  for (const runId of stopping) {
    const local = deps.local(runId);
    if (local === undefined) remote.push(runId);
    else local.signal(Control.cancel);
  }
  deps.notifier.cancelRequested(remote);
}
