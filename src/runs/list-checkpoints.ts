import type { CheckpointRepository, CheckpointSummary, Page, RunRepository } from '../store/types.js';

/** What ListCheckpoints reads. */
export interface CheckpointListDeps {
  /** Checkpoints are keyed by run id alone, so the run is looked up in the caller's project first. */
  readonly runs: Pick<RunRepository, 'get'>;
  readonly checkpoints: Pick<CheckpointRepository, 'list'>;
}

export interface CheckpointListInput {
  /** The caller's project: a run of another project is NOT_FOUND, as if it did not exist. */
  readonly project: string;
  readonly runId: string;
  /** 1 .. 1000 (the handler checks the bounds; 0: the store's default). */
  readonly pageSize: number;
  /** '' for the first page, else a token of the previous page for the same run. */
  readonly pageToken: string;
}

/**
 * ListCheckpoints: the run's stored checkpoints in ascending step order, without their bytes: the
 * steps GetCheckpoint can fetch. NOT_FOUND for an unknown run or one of another project;
 * INVALID_ARGUMENT on `page_token` for a token of another run.
 */
export async function listCheckpoints(
  deps: CheckpointListDeps,
  input: CheckpointListInput,
): Promise<Page<CheckpointSummary>> {
  const run = await deps.runs.get(input.project, input.runId);
  return deps.checkpoints.list(run.id, input.pageSize, input.pageToken);
}
