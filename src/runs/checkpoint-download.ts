import { AppError, invalidArgument, notFound } from '../core/index.js';
import type { CheckpointMeta, CheckpointRepository, RunRepository } from '../store/types.js';

/** Largest data chunk of a checkpoint download (the API promises at most 1 MiB per message). */
export const CHECKPOINT_CHUNK_BYTES = 1024 * 1024;

/** What a checkpoint download reads. */
export interface CheckpointDownloadDeps {
  /** Checkpoints are keyed by run id alone, so the run is looked up in the caller's project first. */
  readonly runs: Pick<RunRepository, 'get'>;
  readonly checkpoints: Pick<CheckpointRepository, 'getMeta' | 'getDataRange'>;
}

export interface CheckpointDownloadInput {
  /** The caller's project: a run of another project is NOT_FOUND, as if it did not exist. */
  readonly project: string;
  readonly runId: string;
  /** Step of the checkpoint; 0: the latest. */
  readonly step: number;
  /** First byte of the file to send, in [0, size]; 0: the whole file. */
  readonly offset?: number;
}

/** One piece of the file: `data` sits at byte `offset`. */
export interface CheckpointChunk {
  readonly offset: number;
  readonly data: Uint8Array;
}

export interface CheckpointDownload {
  /** The checkpoint resolved (its real step, also when 0 asked for the latest), size and hash. */
  readonly meta: CheckpointMeta;
  /**
   * The file from the requested offset on, in order, in chunks of {@link CHECKPOINT_CHUNK_BYTES} (the last one shorter), each
   * read from the store only when the consumer asks for it. Throws ABORTED when the checkpoint was
   * saved again at that step after `meta` was read (its hash no longer matches): retry.
   */
  chunks(): AsyncIterable<CheckpointChunk>;
}

/**
 * GetCheckpoint: resolves the checkpoint of a run (step 0: the latest) and returns its metadata and
 * a lazy chunk reader starting at `offset`. Errors: INVALID_ARGUMENT (`step` not an integer >= 0,
 * `offset` outside [0, size]), NOT_FOUND (unknown run, a run of another project, or no checkpoint
 * at that step).
 *
 * Why chunks are read one at a time: memory stays at one chunk per download whatever the
 * checkpoint's size, and a slow client slows only its own reads.
 */
export async function openCheckpointDownload(
  deps: CheckpointDownloadDeps,
  input: CheckpointDownloadInput,
): Promise<CheckpointDownload> {
  const { project, runId, step, offset = 0 } = input;
  if (!Number.isSafeInteger(step) || step < 0) {
    throw invalidArgument('step', step, `an integer in [0, ${Number.MAX_SAFE_INTEGER}] (0: the latest)`);
  }
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw invalidArgument('offset', offset, 'an integer >= 0 (0: the whole file)');
  }
  await deps.runs.get(project, runId);
  const meta = await deps.checkpoints.getMeta(runId, step);
  if (meta === null) {
    throw notFound(step === 0 ? 'checkpoint of run' : `checkpoint at step ${step} of run`, runId);
  }
  if (offset > meta.sizeBytes) {
    throw invalidArgument(
      'offset',
      offset,
      `an integer in [0, size_bytes = ${meta.sizeBytes}] for checkpoint step ${meta.step}`,
    );
  }
  return { meta, chunks: () => readChunks(deps.checkpoints, meta, offset) };
}

async function* readChunks(
  checkpoints: CheckpointDownloadDeps['checkpoints'],
  meta: CheckpointMeta,
  from: number,
): AsyncGenerator<CheckpointChunk> {
  for (let offset = from; offset < meta.sizeBytes; offset += CHECKPOINT_CHUNK_BYTES) {
    const length = Math.min(CHECKPOINT_CHUNK_BYTES, meta.sizeBytes - offset);
    const data = await checkpoints.getDataRange(meta.runId, meta.step, meta.sha256, offset, length);
    if (data === null || data.byteLength !== length) {
      // Replaced or removed while it was being sent (a re-save of the same step).
      throw new AppError(
        'ABORTED',
        `checkpoint at step ${meta.step} of run ${meta.runId} changed during the download; retry`,
      );
    }
    yield { offset, data };
  }
}
