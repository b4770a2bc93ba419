import type { RunStatus } from '../core/index.js';
import type { RunRecord } from '../store/types.js';
import type { ExecutionDeps, StopReason } from './execution-deps.js';
import type { RunOutcome } from './worker/protocol.js';

/** How an attempt ended and where it got to, as `RunExecution` saw it. */
export interface AttemptEnd {
  readonly outcome: RunOutcome;
  /** Why the scheduler stopped the run itself, if it did. */
  readonly stopReason: StopReason | null;
  /** The attempt's last step, backend and device, recorded as the run's progress first. */
  readonly step: number;
  readonly backend: string;
  readonly device: string | null;
}

/**
 * Settles a run in the store once its worker has finished, as the worker's outcome says:
 *
 * | worker outcome | store                       | why                                        |
 * |----------------|-----------------------------|--------------------------------------------|
 * | COMPLETED      | finish COMPLETED, reason    | BUDGET, or SOLVED (ended early)            |
 * | CANCELLED      | finish CANCELLED            | cancel requested; final checkpoint saved   |
 * | STOPPED_EARLY  | finish STOPPED_EARLY        | ASHA stopped it at a rung; checkpoint saved |
 * | FAILED         | finish FAILED with the error| non-finite loss, trainer error, crash      |
 * | SUSPENDED      | release (back to QUEUED)    | graceful shutdown; resumes from checkpoint |
 * | RETRY          | retry: QUEUED, or FAILED after maxAttempts | GPU device lost: like a replica crash |
 * | ABORTED        | release on shutdown; nothing when the lease was lost (another replica owns it) |
 *
 * Then publishes the status it reached to the hub and announces it to other replicas. A store
 * error is logged, not thrown: the attempt is over either way.
 */
export async function settleRun(deps: ExecutionDeps, run: RunRecord, end: AttemptEnd): Promise<void> {
  const { store, hub, logger, owner } = deps;
  const { id, project } = run;
  const { outcome, step, backend, device } = end;
  let status: RunStatus | null = null;
  let error: string | null = null;
  try {
    if (outcome.status === 'SUSPENDED' || (outcome.status === 'ABORTED' && end.stopReason === 'shutdown')) {
      await store.runs.updateProgress(id, owner, step, backend, device).catch(() => undefined);
      await store.runs.release(id, owner);
      ({ status, error } = await store.runs.get(project, id));
    } else if (outcome.status === 'RETRY') {
      // The points after the last checkpoint are recomputed by the next attempt.
      await store.runs.updateProgress(id, owner, step, backend, device).catch(() => undefined);
      ({ status, error } = await store.runs.retry(id, owner, outcome.error, deps.maxAttempts));
      logger.warn(
        { runId: id, error, status },
        'run attempt failed outside the run; the run goes back to the queue',
      );
    } else if (outcome.status !== 'ABORTED') {
      error = outcome.status === 'FAILED' ? outcome.error : null;
      const endReason = outcome.status === 'COMPLETED' ? outcome.endReason : undefined;
      await store.runs.updateProgress(id, owner, step, backend, device).catch(() => undefined);
      ({ status, error } = await store.runs.finish(id, owner, outcome.status, error, endReason));
    }
  } catch (cause) {
    logger.error({ runId: id, err: cause, outcome: outcome.status }, 'could not record how the run ended');
  }
  logger.info({ runId: id, outcome: outcome.status, status, step, error }, 'run attempt ended');
  if (status !== null) {
    hub.publishStatus(id, status, error);
    deps.announce?.(id, status);
  }
}
